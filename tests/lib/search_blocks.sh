# The data of the full-screen search-block tests (tests/tui/test_search_blocks*.sh), sourced
# after tests/lib/pg.sh with $CCRM set: a demo cluster with a few thousand campaigns and leads
# filed in blocks of 100 rows, and the client's page size. The walk of each list is a test of
# its own, so that they run side by side (one test took 260 s, 542 in a run of four at once).
pg_start_demo "$CCRM" 20
psqlc >/dev/null <<'SQL'
INSERT INTO campaigns (name, status)
SELECT (ARRAY['Autumn fair ', 'Brochure ', 'Mailing ', 'Webinar '])[1 + i % 4] || i, 'planned'
  FROM generate_series(1, 2400) i;
-- one word in a cluster far down (Zeppelin) and in two stretches at both ends
INSERT INTO campaigns (name, status)
SELECT 'Zeppelin Qzx ' || i, 'active' FROM generate_series(1, 45) i
UNION ALL SELECT 'Aachen Qzx ' || i, 'active' FROM generate_series(1, 25) i;
INSERT INTO leads (first_name, last_name, company, status)
SELECT 'Lead', 'Person ' || i, 'Company ' || (i % 50), 'new' FROM generate_series(1, 2500) i;
UPDATE search_block_lists SET size = 100;
SELECT ccrm_search_blocks_rebuild(list) FROM search_block_lists;
-- rows added after the cut: at the top of the leads (last block), among the campaigns
INSERT INTO leads (first_name, last_name, company, status)
SELECT 'Late', 'Person ' || i, 'Company 7', 'new' FROM generate_series(1, 150) i;
INSERT INTO campaigns (name, status) SELECT 'Mailing Late ' || i, 'planned' FROM generate_series(1, 150) i;
SQL

mkdir -p "$XDG_CONFIG_HOME/ccrm"
printf '[ui]\npage_size = 20\n' >"$XDG_CONFIG_HOME/ccrm/ccrm.ini"
trace=$TEST_TMP/trace
: >"$trace"
VISIBLE_COLS=30 # the names on screen (tests/lib/tui.sh: walk)
