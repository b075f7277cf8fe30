#!/usr/bin/env bash
# Marketing at 80 columns. The Reports view's campaign funnel: the picker keeps the report shown
# on screen (it was past the right edge), a campaign's name too long for its column is cut
# with a mark ("Pro Plan Upsell Autumn 202" read as a year), and every bar is drawn to one
# scale: the figures take the widest one's width, so a bar no longer loses a cell for a
# wider figure (100 members drew a shorter bar than 99). And the duplicates' compare screen
# names a contact's account ("Acme Bau Ltd (#12)") where it showed the bare id.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_funnel_narrow.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
long=$(as chloe -c "select name from campaigns order by length(name) desc limit 1")
# one campaign of three-digit members beside two-digit ones: figures of two widths
camp=$(q "select id from campaigns where name <> '$long' order by id limit 1")
as chloe -c "with c as (insert into contacts (first_name, last_name, email)
                 select 'Funnel', 'Person ' || g, 'funnel' || g || '@funnel.example'
                   from generate_series(1, 110) g returning id)
             insert into campaign_members (campaign_id, contact_id) select $camp, id from c" \
    >/dev/null || fail "members"

tui_start 80 24 "$CCRM" -d "$DB user=chloe" --view campaigns
check "marketing's Campaigns list opens at 80 columns" wait_for "Campaigns by" 15
prompt "reports campaign_funnel"
check "the funnel is run" wait_for "members (bar" 15
check "the picker shows the report that is shown" line_has "Reports:" "[Campaign funnel]"
check "the longest campaign name ($long) is cut with a mark" line_has "${long:0:10}" "…"
# rows: "name… ███▌   99": every bar is its figure times one scale, to the eighth of a cell
# that the partial blocks draw (a bar beside a narrower figure was drawn over a wider room)
eighths() { # the bar's length in eighths of a cell
    local l=$1 n=0 c k=8
    for c in █ ▉ ▊ ▋ ▌ ▍ ▎ ▏; do
        n=$((n + k * $(grep -o "$c" <<<"$l" | wc -l)))
        k=$((k - 1))
    done
    echo $n
}
one_scale() {
    local rows max_f=0 max_e=0 f e l
    rows=$(screen | grep -E '[█▉▊▋▌▍▎▏].* [0-9][0-9,]*$' | while IFS= read -r l; do
        echo "$(tr -d , <<<"${l##* }") $(eighths "$l")"
    done)
    [ "$(wc -l <<<"$rows")" -ge 3 ] || return 1
    while read -r f e; do
        [ "$f" -gt "$max_f" ] && max_f=$f max_e=$e
    done <<<"$rows"
    # |e - f * max_e / max_f| <= 1 eighth, in whole numbers: |e * max_f - f * max_e| <= max_f
    while read -r f e; do
        d=$((e * max_f - f * max_e))
        [ "${d#-}" -le "$max_f" ] || { echo "# bar of $f: $e eighths, max $max_f: $max_e" >&2; return 1; }
    done <<<"$rows"
}
check "every bar is drawn to one scale ($(screen | sed -n 5,9p | tr -s ' '))" wait_until one_scale
keys q

# the duplicates' compare screen: a contact's account by its name
read -r a b <<<"$(as chloe -F ' ' -c "select a_id, b_id from ccrm_duplicate_pairs('contacts')
                                      where a_id in (select id from contacts where account_id is not null)
                                      limit 1")"
accname=$(q "select a.name from contacts c join accounts a on a.id = c.account_id where c.id = $a")
accid=$(q "select account_id from contacts where id = $a")
prompt "duplicates contacts"
check ":duplicates lists pairs" wait_for "Duplicates · contacts" 15
check "the pair is listed" line_has "#$a " "#$b "
# down to the pair: its place among the pairs listed
keys g
i=$(screen | grep -E '^ +[0-9]+%' | grep -n "#$a .*#$b " | head -1 | cut -d: -f1)
for ((j = 1; j < ${i:-1}; j++)); do keys j; done
keys Enter
check "Enter compares the pair" wait_for "Merge contacts #$a and #$b"
check "the Account field names the account ($accname), not its id alone" \
    line_has "Account" "● ${accname:0:14}"
check "... with its number" line_has "Account" "(#$accid)"
keys q q
tui_stop

done_testing
