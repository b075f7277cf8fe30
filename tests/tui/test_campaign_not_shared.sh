#!/usr/bin/env bash
# No partner sees a campaign, so its detail offers no comment or chat "shared with the
# partner" (W, T): its hint, its ? help and its headings say so only where a partner may see
# the record (a deal, here), and W typed on a campaign says it does not apply.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_campaign_not_shared.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
camp=$(q "select min(id) from campaigns")
deal=$(q "select min(id) from opportunities")
tui_start 140 40 "$CCRM" -d "$PG_CONN user=marco" --view campaigns
check "the Campaigns list opens" wait_for "Campaigns by" 15
prompt "open campaign $camp"
check "the campaign opens" wait_for "campaign #$camp" 10
check "its comments' heading offers no shared comment" wait_for "Comments (" 5
check "... (c to write)" bash -c "tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q 'Comments (.*) · c to write'"
check "... nor a chat shared with the partner" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'shared with the partner')"
check "the hint has no W" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'W shared comment')"
keys '?'
check "? opens the campaign's help" wait_for "Keys:" 5
check "... which offers no chat shared with the partner" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'shared with the partner')"
keys Escape
prompt "open deal $deal"
check "a deal opens" wait_for "deal #$deal" 10
check "a deal's comments offer both (a partner may see a deal)" wait_for "c internal, W shared with the partner" 5
keys q
keys q
tui_stop
done_testing
