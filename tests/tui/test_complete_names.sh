#!/usr/bin/env bash
# Tab completes account names in :open and :find by their beginning, folded as the Accounts
# search folds them (ccrm_fold: case and accents in any script): "öl" and "ol" find "Öl Handel".
# A name that starts with the text is offered even when more than a hundred names that only
# contain it sort before it (completion once took the search's first hundred, then kept those
# that started with the text: none); so does :open for a name that is exactly the text. Logins
# complete in any letter case.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_complete_names.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
ROWS=30 # the screen's height, for bottom and wait_bottom

psqlc >/dev/null <<'EOF'
INSERT INTO accounts (name) VALUES ('Öl Handel'), ('Öl Handel und Söhne'), ('Işık Tekstil'),
    ('Zeta Werke'), ('Alpha Zeta Werke');
-- a hundred and fifty names that contain "zeta" and sort before "Zeta Werke"
INSERT INTO accounts (name) SELECT format('Alpha Zeta Holding %s', lpad(i::text, 3, '0'))
  FROM generate_series(1, 150) i;
EOF
check "the demo has no other name that folds to ol..., isi... or zeta..." \
    [ "$(psqlc -c "select count(*) from accounts where search like 'ol%' or search like 'isi%' or search like 'zeta%'")" = 4 ]

tui_start 120 $ROWS "$CCRM" -d "$PG_CONN user=sam" --view accounts
check "first paint" wait_for "3 Accounts"

keys : "open öl" Tab
check "öl: the names that start with Öl, to their common beginning" wait_bottom '^:open Öl Handel *$'
check "... both listed" line_has "Öl Handel  " "Öl Handel und Söhne"
keys C-u "open ol" Tab
check "ol (no accent): the same (accents folded as the database folds them)" \
    wait_bottom '^:open Öl Handel *$'
keys C-u "open ÖL HANDEL U" Tab
check "ÖL HANDEL U (other letter case outside ASCII): the one name" \
    wait_bottom '^:open Öl Handel und Söhne *$'
keys Enter
check "... and :open opens it" wait_for "Öl Handel und Söhne"
keys q

keys : "open zeta" Tab
check "zeta: the name that starts with it, behind 150 that contain it" \
    wait_bottom '^:open Zeta Werke *$'
keys Escape

keys : "find Işı" Tab
check "Işı (a letter ICU sorts apart, typed as written): Işık Tekstil" \
    wait_bottom '^:find Işık Tekstil *$'
keys Escape

keys : "open alpha zeta holding 14" Tab
check "several names from the middle: their common beginning, in their spelling" \
    wait_bottom '^:open Alpha Zeta Holding 14 *$'
check "... listed (as many as fit)" line_has "Alpha Zeta Holding 140" "Alpha Zeta Holding 141"
keys Escape

keys : "open alpha z" Tab
check "more than a hundred: the common beginning holds for the last one too (not Alpha Zeta Holding)" \
    wait_bottom '^:open Alpha Zeta *$'
keys Escape

keys : "assign Ke" Tab
check "logins in any letter case: :assign Ke is kenji (it matched the case typed)" \
    wait_bottom '^:assign kenji *$'
keys Escape

keys : "open xq" Tab
check "no name starts with it: no completions" wait_for "no completions"
check "... and what was typed stays" wait_bottom '^:open xq *$'
keys Escape

# :open NAME: a name that is exactly the text opens, though the 150 that contain it sort first
# (it asked for the first hundred matches only, and listed them to choose from)
psqlc -c "INSERT INTO accounts (name, city) VALUES ('Zeta', 'Zetacity')" >/dev/null
keys : "open zeta" Enter
check ":open zeta opens the account named Zeta, behind 150 that contain it" wait_for "Zetacity"
keys q
check "... q goes back to the list" wait_gone "Zetacity"

keys : quit Enter
check ":quit quits" wait_exit
tui_stop
done_testing
