#!/usr/bin/env bash
# One rule for what a partner sees (schema/014, docs/security.md §4): a record is visible when
# its own account is shared (a timeline entry also needs the ticket, lead or deal it hangs off:
# 053), and everything derived from a record (events, comments, mentions,
# chat, presence, inbox entries, mail and its attachments, interests, consents) is visible exactly
# when the record is. Records are attached to
# accounts in every way the schema allows -- their own account shared, unshared or none, through
# a contact, a lead, a ticket or a deal of a shared account, an account cleared later -- and for
# every entity and every derived table the partner's view is compared with that rule.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_visibility.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
org=$(q "select id from partner_orgs where name = 'Nordlicht Reseller GmbH'")
S=$(as sam -c "insert into accounts (name) values ('Vis Shared') returning id")
U=$(as sam -c "insert into accounts (name) values ('Vis Unshared') returning id")
"$CCRM" -d "$PG_CONN" --share "$S" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"

# ---- records, attached in every way ----
ins() { as sam -c "$1" | head -n 1; } # the id of one inserted row (INSERT ... RETURNING id)
cS=$(ins "insert into contacts (account_id, last_name, email) values ($S, 'VisCS', 'vis.cs@example.org') returning id")
cU=$(ins "insert into contacts (account_id, last_name, email) values ($U, 'VisCU', 'vis.cu@example.org') returning id")
cN=$(ins "insert into contacts (last_name, email) values ('VisCN', 'vis.cn@example.org') returning id")
L1=$(ins "insert into leads (last_name, account_id) values ('VisL1 own shared', $S) returning id")
L2=$(ins "insert into leads (last_name, email, contact_id) values ('VisL2 contact shared', 'vis.l2@example.org', $cS) returning id")
L3=$(ins "insert into leads (last_name, account_id, contact_id) values ('VisL3 own unshared', $U, $cS) returning id")
L4=$(ins "insert into leads (last_name) values ('VisL4 none') returning id")
L5=$(ins "insert into leads (last_name, account_id, contact_id) values ('VisL5 shared, contact not', $S, $cU) returning id")
oS=$(ins "insert into opportunities (account_id, name) values ($S, 'VisDeal shared') returning id")
oU=$(ins "insert into opportunities (account_id, name) values ($U, 'VisDeal unshared') returning id")
tS=$(ins "insert into tickets (account_id, subject) values ($S, 'VisT own shared') returning id")
tU=$(ins "insert into tickets (account_id, subject) values ($U, 'VisT own unshared') returning id")
tC=$(ins "insert into tickets (contact_id, subject) values ($cS, 'VisT by contact') returning id")
tN=$(ins "insert into tickets (contact_id, subject) values ($cS, 'VisT account cleared') returning id")
as sam -c "update tickets set account_id = NULL where id = $tN"
iS=$(ins "insert into interactions (kind, subject, account_id) values ('call', 'VisI own shared', $S) returning id")
iU=$(ins "insert into interactions (kind, subject, account_id) values ('call', 'VisI own unshared', $U) returning id")
# notes written for the partner (shared, 022): visible by the record rule alone
iN=$(ins "insert into interactions (kind, subject, visibility) values ('note', 'VisI none', 'shared') returning id")
iL=$(ins "insert into interactions (kind, subject, lead_id, visibility) values ('note', 'VisI via lead L2', $L2, 'shared') returning id")
iT=$(ins "insert into interactions (kind, subject, ticket_id, visibility) values ('note', 'VisI via ticket tU', $tU, 'shared') returning id")
iO=$(ins "insert into interactions (kind, subject, opportunity_id, visibility) values ('note', 'VisI via deal oS', $oS, 'shared') returning id")
iC=$(ins "insert into interactions (kind, subject, contact_id) values ('email', 'VisI via contact cU', $cU) returning id")
cp=$(as marco -c "insert into campaigns (name) values ('VisCampaign') returning id" | head -n 1)
# the back office (020): quotes and invoices by their own account, lines and payments with them
qS=$(ins "insert into quotes (account_id, title) values ($S, 'VisQuote shared') returning id")
qU=$(ins "insert into quotes (opportunity_id, title) values ($oU, 'VisQuote unshared') returning id")
as sam -c "insert into quote_lines (quote_id, description, unit_price, tax_rate) values ($qS, 'VisQLine shared', 10, 19), ($qU, 'VisQLine unshared', 10, 19)"
invS=$(as bea -c "insert into invoices (account_id, buyer_country) values ($S, 'DE') returning id" | head -n 1)
invU=$(as bea -c "insert into invoices (account_id, opportunity_id, buyer_country) values ($U, $oU, 'DE') returning id" | head -n 1)
as bea -c "insert into invoice_lines (invoice_id, description, unit_price, tax_rate) values ($invS, 'VisILine shared', 100, 19), ($invU, 'VisILine unshared', 100, 19)" \
       -c "select ccrm_invoice_issue($invS), ccrm_invoice_issue($invU)" \
       -c "insert into payments (invoice_id, amount, reference) values ($invS, 10, 'VisPay shared'), ($invU, 10, 'VisPay unshared')" >/dev/null

records="accounts:$S accounts:$U contacts:$cS contacts:$cU contacts:$cN leads:$L1 leads:$L2 leads:$L3
leads:$L4 leads:$L5 opportunities:$oS opportunities:$oU tickets:$tS tickets:$tU tickets:$tC tickets:$tN
interactions:$iS interactions:$iU interactions:$iN interactions:$iL interactions:$iT interactions:$iO
interactions:$iC campaigns:$cp quotes:$qS quotes:$qU invoices:$invS invoices:$invU"

# each_line USER FILE: the statements of FILE (one line of output each) in one session of USER
# (postgres: the superuser), each in a transaction of its own as with one psql per statement:
# a psql costs some 30 ms of processor time, a backend more, and the loops below ran hundreds
each_line() {
    if [ "$1" = postgres ]; then psqlc -f "$2"; else as "$1" -f "$2"; fi
}

# ---- what hangs off each: a comment, a chat message, presence, an inbox entry, a mention ----
# (sam's writes in one session, then the superuser's: the mentions name sam's comments)
: >"$TEST_TMP/fx_sam.sql"
: >"$TEST_TMP/fx_su.sql"
for r in $records; do
    e=${r%%:*} id=${r##*:}
    # shared with the partner (022); an internal comment and chat message beside them, which
    # the partner must never read, are checked below
    echo "insert into comments (entity, entity_id, body, visibility) values ('$e', $id, 'VisComment on $e $id', 'shared');" >>"$TEST_TMP/fx_sam.sql"
    echo "insert into comments (entity, entity_id, body) values ('$e', $id, 'VisSecret comment on $e $id');" >>"$TEST_TMP/fx_sam.sql"
    # chat and presence are on records with a detail view (not on interactions)
    if [ "$e" != interactions ]; then
        echo "insert into chat_messages (entity, entity_id, body, visibility) values ('$e', $id, 'VisChat on $e $id', 'shared');" >>"$TEST_TMP/fx_sam.sql"
        echo "insert into chat_messages (entity, entity_id, body) values ('$e', $id, 'VisSecret chat on $e $id');" >>"$TEST_TMP/fx_sam.sql"
        # someone else's presence (another session's row, written as the superuser for sam)
        echo "insert into presence (login, backend_pid, entity, entity_id) values ('sam', $((100000 + ${#e} * 1000 + id % 1000)), '$e', $id);" >>"$TEST_TMP/fx_su.sql"
    fi
    # an inbox entry for the partner about it, written past ccrm_inbox_put (which would refuse
    # the unshared ones) to test the policy alone
    echo "insert into inbox (login, kind, entity, entity_id, from_login, note) values ('paul', 'handoff', '$e', $id, 'sam', 'VisInbox on $e $id');" >>"$TEST_TMP/fx_su.sql"
    echo "insert into mentions (comment_id, login) select max(id), 'paul' from comments where entity = '$e' and entity_id = $id and visibility = 'shared';" >>"$TEST_TMP/fx_su.sql"
    # interests of people and accounts, consents of people (schema/021)
    case $e in
    contacts | leads | accounts)
        echo "select ccrm_interest_add('$e', $id, 'VisInterest on $e $id');" >>"$TEST_TMP/fx_sam.sql" ;;
    esac
    case $e in
    contacts | leads)
        echo "select ccrm_consent_set('$e', $id, 'email', false, 'VisConsent on $e $id');" >>"$TEST_TMP/fx_sam.sql" ;;
    esac
done
each_line sam "$TEST_TMP/fx_sam.sql" >/dev/null || fail "fixtures: sam's comments, chat, interests and consents"
each_line postgres "$TEST_TMP/fx_su.sql" >/dev/null || fail "fixtures: presence, inbox entries and mentions"
check "fixtures: every record has its comment, chat, presence and inbox entry" \
    test "$(q "select count(*) from comments where body like 'VisComment%'")" = "$(wc -w <<<"$records")"
check "fixtures: written by an internal user without saying, a comment and a chat message are internal" \
    test "$(q "select string_agg(distinct visibility, ',') from (select visibility from comments where body like 'VisSecret%'
                                                                union all select visibility from chat_messages where body like 'VisSecret%') x")" = internal

# ---- records: the rule itself ----
# a record is visible to the partner exactly when its own account is shared. Per record, one
# line of the superuser's (its own account; for a timeline entry, 1 when the ticket, lead or deal
# it hangs off is on another account) and one of the partner's (ccrm_record_exists)
: >"$TEST_TMP/own.sql"
: >"$TEST_TMP/exists.sql"
for r in $records; do
    e=${r%%:*} id=${r##*:}
    if [ "$e" = accounts ]; then own="'$id'"; elif [ "$e" = campaigns ]; then own="''"; else own="coalesce((select account_id::text from $e where id = $id), '')"; fi
    if [ "$e" = interactions ]; then
        off="(select count(*) from interactions i
        where i.id = $id and (i.ticket_id is not null or i.lead_id is not null or i.opportunity_id is not null)
          and coalesce((select t.account_id from tickets t where t.id = i.ticket_id),
                       (select l.account_id from leads l where l.id = i.lead_id),
                       (select o.account_id from opportunities o where o.id = i.opportunity_id), 0) <> $S)"
    else
        off=0
    fi
    echo "select $own || '|' || $off;" >>"$TEST_TMP/own.sql"
    echo "select ccrm_record_exists('$e', $id);" >>"$TEST_TMP/exists.sql"
done
mapfile -t owns < <(each_line postgres "$TEST_TMP/own.sql")
mapfile -t gots < <(each_line paul "$TEST_TMP/exists.sql")
i=0
for r in $records; do
    e=${r%%:*} id=${r##*:}
    IFS='|' read -r own off <<<"${owns[i]:-}"
    got=${gots[i]:-}
    i=$((i + 1))
    want=f
    [ "$own" = "$S" ] && want=t
    # a timeline entry also needs the ticket, lead or deal it hangs off (053)
    [ "$e" = interactions ] && [ "$off" = 1 ] && want=f
    check "$e #$id (own account ${own:-none}): the partner sees it: $want" test "$got" = "$want"
    eval "vis_${e}_$id=$want"
done
check "the lead without an account but with a shared contact is not visible" test "$(as paul -c "select count(*) from leads where id = $L2")" = 0
check "the ticket whose account was cleared is not visible" test "$(as paul -c "select count(*) from tickets where id = $tN")" = 0
# a timeline entry is seen with the ticket, lead or deal it hangs off, not by its own account
# alone (053): a mail of a shared account's contact filed by its [#id] on an unshared ticket
xT=$(ins "insert into interactions (kind, subject, account_id, ticket_id) values ('email', 'VisX shared account, ticket not', $S, $tU) returning id")
xL=$(ins "insert into interactions (kind, subject, account_id, lead_id) values ('email', 'VisX shared account, lead not', $S, $L4) returning id")
xO=$(ins "insert into interactions (kind, subject, account_id, opportunity_id) values ('email', 'VisX shared account, deal not', $S, $oU) returning id")
xS=$(ins "insert into interactions (kind, subject, account_id, ticket_id) values ('email', 'VisX shared account and ticket', $S, $tS) returning id")
for x in "$xT:ticket" "$xL:lead" "$xO:deal"; do
    check "an entry of the shared account on an unshared ${x#*:} is not visible, nor its event" \
        test "$(as paul -c "select (select count(*) from interactions where id = ${x%%:*}) || ',' ||
                               (select count(*) from events where entity = 'interactions' and entity_id = ${x%%:*})")" = "0,0"
done
check "... one on a shared ticket is, and its event" \
    test "$(as paul -c "select (select count(*) from interactions where id = $xS) || ',' ||
                           (select count(*) from events where entity = 'interactions' and entity_id = $xS)")" = "1,1"

# ---- everything derived, compared with its record, both ways ----
: >"$TEST_TMP/derived.sql"
for r in $records; do
    e=${r%%:*} id=${r##*:}
    echo "select (select count(*) from comments where entity = '$e' and entity_id = $id)
                          || ',' || (select count(*) from chat_messages where entity = '$e' and entity_id = $id)
                          || ',' || (select count(*) from presence where entity = '$e' and entity_id = $id)
                          || ',' || (select count(*) from inbox where entity = '$e' and entity_id = $id)
                          || ',' || (select count(*) from mentions m join comments c on c.id = m.comment_id
                                      where c.entity = '$e' and c.entity_id = $id);" >>"$TEST_TMP/derived.sql"
done
mapfile -t gots < <(each_line paul "$TEST_TMP/derived.sql")
i=0
for r in $records; do
    e=${r%%:*} id=${r##*:}
    got=${gots[i]:-}
    i=$((i + 1))
    want=$(eval echo "\$vis_${e}_$id")
    n=$([ "$want" = t ] && echo 1 || echo 0)
    m=$n
    [ "$e" = interactions ] && m=0
    check "$e #$id: comments, chat, presence, inbox, mentions visible exactly with the record ($got)" \
        test "$got" = "$n,$m,$m,$n,$n"
done

# lines and payments: visible exactly with their quote or invoice
for r in quotes:$qS quotes:$qU invoices:$invS invoices:$invU; do
    e=${r%%:*} id=${r##*:}
    want=$(eval echo "\$vis_${e}_$id")
    n=$([ "$want" = t ] && echo 1 || echo 0)
    if [ "$e" = quotes ]; then
        got=$(as paul -c "select count(*) from quote_lines where quote_id = $id")
        check "the lines of quote #$id are visible exactly with it ($got)" test "$got" = "$n"
    else
        got=$(as paul -c "select (select count(*) from invoice_lines where invoice_id = $id) || ',' || (select count(*) from payments where invoice_id = $id) || ',' || (select count(*) from invoices_overdue where id = $id)")
        check "the lines and payments of invoice #$id are visible exactly with it ($got)" test "$got" = "$n,$n,0"
    fi
done
# mail (017): a mail, and its attachment, filed on each record it can be filed on; and mails
# filed on several records, where the first of ticket, deal, lead, contact, account decides
mailcol() { case $1 in accounts) echo account_id ;; contacts) echo contact_id ;; leads) echo lead_id ;;
                       opportunities) echo opportunity_id ;; tickets) echo ticket_id ;;
                       quotes) echo quote_id ;; invoices) echo invoice_id ;; esac; }
# (the superuser's inserts in one session, then the partner's reads in one)
: >"$TEST_TMP/mail_su.sql"
: >"$TEST_TMP/mail_paul.sql"
for r in $records; do
    e=${r%%:*} id=${r##*:}
    col=$(mailcol "$e")
    [ -n "$col" ] || continue
    echo "insert into messages (message_id, direction, status, from_addr, subject, $col)
             values ('vis.$e.$id@example.org', 'in', 'received', 'vis@example.org', 'VisMail on $e $id', $id);
          insert into attachments (msg_id, name, type, size)
             select id, 'vis.pdf', 'application/pdf', 1 from messages where message_id = 'vis.$e.$id@example.org';" >>"$TEST_TMP/mail_su.sql"
    echo "select (select count(*) from messages where message_id = 'vis.$e.$id@example.org')
                          || ',' || (select count(*) from attachments x join messages m on m.id = x.msg_id
                                      where m.message_id = 'vis.$e.$id@example.org');" >>"$TEST_TMP/mail_paul.sql"
done
each_line postgres "$TEST_TMP/mail_su.sql" >/dev/null || fail "fixtures: a mail with an attachment on each record"
mapfile -t gots < <(each_line paul "$TEST_TMP/mail_paul.sql")
i=0
for r in $records; do
    e=${r%%:*} id=${r##*:}
    col=$(mailcol "$e")
    [ -n "$col" ] || continue
    got=${gots[i]:-}
    i=$((i + 1))
    want=$(eval echo "\$vis_${e}_$id")
    n=$([ "$want" = t ] && echo 1 || echo 0)
    check "$e #$id: its mail and the mail's attachment visible exactly with the record ($got)" test "$got" = "$n,$n"
done
q "insert into messages (message_id, direction, status, from_addr, ticket_id, account_id, contact_id)
   values ('vis.mixed.1@example.org', 'in', 'received', 'vis@example.org', $tU, $S, $cS),
          ('vis.mixed.2@example.org', 'in', 'received', 'vis@example.org', $tS, $U, $cU),
          ('vis.mixed.3@example.org', 'in', 'received', 'vis@example.org', NULL, $S, $cU),
          ('vis.none@example.org', 'in', 'received', 'vis@example.org', NULL, NULL, NULL)" >/dev/null
check "a mail on several records: its ticket decides, then its contact before its account" \
    test "$(as paul -c "select string_agg(message_id, ',' order by message_id) from messages where message_id like 'vis.mixed.%' or message_id = 'vis.none@example.org'")" = "vis.mixed.2@example.org"
# interests and consents: visible exactly with the person or account they are about
: >"$TEST_TMP/interests.sql"
for r in $records; do
    e=${r%%:*} id=${r##*:}
    case $e in contacts | leads | accounts) ;; *) continue ;; esac
    col=$(case $e in contacts) echo contact_id ;; leads) echo lead_id ;; *) echo account_id ;; esac)
    echo "select (select count(*) from interests where $col = $id)
                          || ',' || (select count(*) from consents where $([ "$e" = accounts ] && echo false || echo "$col = $id"));" >>"$TEST_TMP/interests.sql"
done
mapfile -t gots < <(each_line paul "$TEST_TMP/interests.sql")
i=0
for r in $records; do
    e=${r%%:*} id=${r##*:}
    case $e in contacts | leads | accounts) ;; *) continue ;; esac
    got=${gots[i]:-}
    i=$((i + 1))
    want=$(eval echo "\$vis_${e}_$id")
    n=$([ "$want" = t ] && echo 1 || echo 0)
    m=$n
    [ "$e" = accounts ] && m=0
    check "$e #$id: its interest and consent visible exactly with it ($got)" test "$got" = "$n,$m"
done
check "no interest or consent of an invisible record leaks by its text" \
    test "$(as paul -c "select (select count(*) from interests where note is null and product ~ 'VisInterest on (contacts $cU|contacts $cN|leads $L2|leads $L3|leads $L4|accounts $U)$')
                           + (select count(*) from consents where source ~ 'VisConsent on (contacts $cU|contacts $cN|leads $L2|leads $L3|leads $L4)$')")" = 0

# events: an event is visible when the row as written (the audit row of its transaction) had
# its own account shared (a timeline entry's ticket, lead and deal that account too); for comments and chat, when their record is visible; inbox events of
# the partner's own visible entries; nothing else. And an event of a ticket, timeline entry,
# comment or chat message (not of its deletion) only while the partner sees that row (107: a
# ticket whose account was cleared since takes its events along), as the tables say
seen_rows=$(as paul -c "select coalesce(string_agg(quote_literal(x), ','), quote_literal(''))
                          from (select 'tickets:' || id as x from tickets
                                union all select 'interactions:' || id from interactions
                                union all select 'comments:' || id from comments
                                union all select 'chat_messages:' || id from chat_messages) r")
bad=$(as paul -c "select count(*) from events" )
want=$(q "with vis as (
            select e.id from events e
             where (e.entity not in ('tickets', 'interactions', 'comments', 'chat_messages')
                    or e.entity_id is null or e.op = 'delete'
                    or e.entity || ':' || e.entity_id in ($seen_rows))
               and ((e.entity in ('accounts', 'contacts', 'leads', 'opportunities', 'tickets', 'interactions')
                    and exists (select 1 from audit a, account_shares s
                                 where a.xid = e.xid and a.entity = e.entity and a.entity_id = e.entity_id
                                   and s.partner_org_id = $org
                                   and (e.entity <> 'interactions' or coalesce(a.new_row, a.old_row)->>'kind' <> 'note'
                                        or coalesce(a.new_row, a.old_row)->>'visibility' = 'shared')
                                   -- a timeline entry: its ticket, lead and deal on its account too (053)
                                   and (e.entity <> 'interactions' or not exists (
                                        select 1 from (values ('tickets', 'ticket_id'), ('leads', 'lead_id'),
                                                              ('opportunities', 'opportunity_id')) p(t, c)
                                         where coalesce(a.new_row, a.old_row)->>p.c is not null
                                           and ccrm_record_account(p.t, (coalesce(a.new_row, a.old_row)->>p.c)::bigint)
                                               is distinct from (coalesce(a.new_row, a.old_row)->>'account_id')::bigint))
                                   and s.account_id = case e.entity when 'accounts' then a.entity_id
                                         else (coalesce(a.new_row, a.old_row)->>'account_id')::bigint end))
                or (e.entity in ('comments', 'chat_messages')
                    and exists (select 1 from account_shares s where s.partner_org_id = $org
                                 and s.account_id = e.account_id)
                    and exists (select 1 from (select entity, entity_id, id, visibility from comments where e.entity = 'comments'
                                               union all select entity, entity_id, id, visibility from chat_messages where e.entity = 'chat_messages') x
                                 where x.id = e.entity_id and x.visibility = 'shared'
                                   and ccrm_record_account(x.entity, x.entity_id) in (select account_id from account_shares where partner_org_id = $org)))
                or (e.entity in ('quotes', 'invoices')
                    and exists (select 1 from audit a, account_shares s
                                 where a.xid = e.xid and a.entity = e.entity and a.entity_id = e.entity_id
                                   and s.partner_org_id = $org
                                   and s.account_id = (coalesce(a.new_row, a.old_row)->>'account_id')::bigint))
                or (e.entity in ('quote_lines', 'invoice_lines', 'payments')
                    and exists (select 1 from account_shares s where s.partner_org_id = $org
                                 and s.account_id = case e.entity
                                       when 'quote_lines' then (select q.account_id from quote_lines l join quotes q on q.id = l.quote_id where l.id = e.entity_id)
                                       when 'invoice_lines' then (select i.account_id from invoice_lines l join invoices i on i.id = l.invoice_id where l.id = e.entity_id)
                                       else (select i.account_id from payments p join invoices i on i.id = p.invoice_id where p.id = e.entity_id) end))
                or (e.entity = 'inbox' and exists (select 1 from inbox i where i.id = e.entity_id and i.login = 'paul'
                         and (i.entity is null or ccrm_record_account(i.entity, i.entity_id) in (select account_id from account_shares where partner_org_id = $org))))))
          select count(*) from vis")
check "the partner's events are exactly those the rule allows ($bad of $want)" test "$bad" = "$want"
leak=$(as paul -c "select count(*) from events where summary ~ 'VisL2|VisL3|VisL4|VisT own unshared|VisI own unshared|VisI none|VisI via ticket tU|VisDeal unshared|VisCU|VisCN|Vis Unshared|VisCampaign|VisT account cleared|VisQuote unshared|VisQLine unshared|VisILine unshared'
                    and not (entity = 'tickets' and op = 'insert' and summary = 'VisT account cleared')")
check "no event names an invisible record (leaked: $leak)" test "$leak" = 0
check "the partner reads no event, comment or chat of the lead it cannot read" \
    test "$(as paul -c "select (select count(*) from events where entity = 'leads' and entity_id = $L2)
                             + (select count(*) from comments where entity = 'leads' and entity_id = $L2)
                             + (select count(*) from chat_messages where entity = 'leads' and entity_id = $L2)")" = 0
check "but it does read those of the lead on the shared account" \
    test "$(as paul -c "select (select count(*) from events where entity = 'leads' and entity_id = $L1) > 0
                           and (select count(*) from comments where entity = 'leads' and entity_id = $L1) = 1")" = t

# ---- internal or shared (022): what is internal never reaches a partner ----
check "the partner reads no internal comment, chat message or their events" \
    test "$(as paul -c "select (select count(*) from comments where body like 'VisSecret%')
                             + (select count(*) from chat_messages where body like 'VisSecret%')
                             + (select count(*) from events where summary like '%VisSecret%')")" = 0
check "internal users read them all" \
    test "$(as bea -c "select count(*) from comments where body like 'VisSecret%'")" = "$(wc -w <<<"$records")"
nI=$(ins "insert into interactions (kind, subject, account_id) values ('note', 'VisNote internal', $S) returning id")
nS=$(ins "insert into interactions (kind, subject, account_id, visibility) values ('note', 'VisNote shared', $S, 'shared') returning id")
cI=$(ins "insert into interactions (kind, subject, account_id) values ('call', 'VisCall by sam', $S) returning id")
check "on the shared account the partner reads the shared note and the call, not the internal note" \
    test "$(as paul -c "select string_agg(subject, ',' order by id) from interactions where id in ($nI, $nS, $cI)")" = "VisNote shared,VisCall by sam"
check "nor the internal note's events, nor anything hanging off it" \
    test "$(as paul -c "select (select count(*) from events where summary like '%VisNote internal%')
                             + (select count(*) from events where entity = 'interactions' and entity_id = $nI)
                             + ccrm_record_exists('interactions', $nI)::int")" = 0
check "the partner's timeline of the account ends in the shared note, the internal one is left out" \
    bash -c "! psql -X -At '$DB user=paul' -c \"select subject from interactions where account_id = $S\" | grep -q 'VisNote internal'"
out=$(as paul -c "insert into chat_messages (entity, entity_id, body) values ('accounts', $S, 'VisPartnerChat') returning visibility" 2>&1)
check "a partner's chat message is shared without saying ($out)" test "$(head -n 1 <<<"$out")" = shared
out=$(as paul -c "insert into interactions (kind, subject, account_id) values ('note', 'VisPartnerNote', $S) returning visibility" 2>&1)
check "a partner's note is shared without saying ($out)" test "$(head -n 1 <<<"$out")" = shared
check "a partner cannot write an internal chat message (it could not read it back)" \
    bash -c "! psql -X -At '$DB user=paul' -c \"insert into chat_messages (entity, entity_id, body, visibility) values ('accounts', $S, 'VisSpy', 'internal')\" 2>/dev/null"
check "nor make its chat message internal afterwards" \
    bash -c "! psql -X -At '$DB user=paul' -c \"update chat_messages set visibility = 'internal' where body = 'VisPartnerChat'\" 2>/dev/null"
# mentions: an internal comment naming the partner tells it nothing; a shared one does
as sam -c "insert into comments (entity, entity_id, body) values ('accounts', $S, 'VisSecret2 budget approved @paul')" >/dev/null
as sam -c "insert into comments (entity, entity_id, body, visibility) values ('accounts', $S, 'VisOpen2 please check @paul', 'shared')" >/dev/null
check "an internal comment mentions no partner, a shared one does" \
    test "$(q "select string_agg(c.body, ',') from mentions m join comments c on c.id = m.comment_id where m.login = 'paul' and c.body like 'Vis%2 %'")" = "VisOpen2 please check @paul"
check "the partner's inbox holds the shared mention only" \
    test "$(as paul -c "select count(*) filter (where note like 'VisOpen2%') || ',' || count(*) filter (where note like 'VisSecret%') from inbox")" = "1,0"
# an internal user shares a comment later: from then on the partner reads it
as sam -c "update comments set visibility = 'shared' where body = 'VisSecret2 budget approved @paul'"
check "a comment shared later is readable by the partner" \
    test "$(as paul -c "select count(*) from comments where body = 'VisSecret2 budget approved @paul'")" = 1

# ---- the same through the batch command a partner would use ----
"$CCRM" -d "$DB user=paul" --feed --limit 100000 >"$TEST_TMP/feed" 2>&1 || fail "partner --feed"
for w in VisL2 VisL3 VisL4 'VisT own unshared' 'VisI own unshared' 'VisCampaign' 'Vis Unshared' VisCU VisCN; do
    check "the partner's --feed never names \"$w\"" bash -c "! grep -qF -- '$w' '$TEST_TMP/feed'"
done
check "the partner's --feed shows the shared lead" grep -qF 'VisL1' "$TEST_TMP/feed"

# ---- responsibility and time (schema/019): nothing of it reaches a partner ----
# Rules, absences, calendars and SLA policies are internal; SLA clocks are our commitments
# (the partner sees the ticket and its status); followers, inbox settings, reminders and
# digests are about internal people. Not even the rows of records the partner sees.
q "insert into calendars (name) values ('Vis calendar');
   insert into sla_policies (name, position, calendar_id, resolution_min)
   select 'Vis policy', -1, id, 60 from calendars where name = 'Vis calendar'"
tSLA=$(ins "insert into tickets (account_id, subject, assignee) values ($S, 'VisT with SLA', 'sam') returning id")
as sam -c "select ccrm_follow('tickets', $tSLA)" >/dev/null
check "fixtures: the shared ticket has SLA clocks and a follower" \
    test "$(q "select (select count(*) > 0 from sla_clocks where ticket_id = $tSLA) and (select count(*) > 0 from followers where entity_id = $tSLA)")" = t
for t in responsibilities absences calendars calendar_spans sla_policies sla_clocks followers \
    inbox_settings reminders digests sla_compliance; do
    out=$(as paul -c "select count(*) from $t" 2>&1)
    check "the partner reads nothing of $t" grep -Eq "permission denied for (table|view) $t" <<<"$out"
done
check "the tasks view shows a partner exactly its visible tasks and meetings" \
    test "$(as paul -c "select count(*) from tasks")" = "$(as paul -c "select count(*) from interactions where kind in ('task', 'meeting') and due_at is not null")"

# ---- moving a record moves everything with it, at once ----
as sam -c "update leads set account_id = $S where id = $L2"
check "once the lead's own account is shared, its comments and chat are visible" \
    test "$(as paul -c "select (select count(*) from comments where entity = 'leads' and entity_id = $L2)
                             + (select count(*) from chat_messages where entity = 'leads' and entity_id = $L2)")" = 2
as sam -c "update leads set account_id = NULL where id = $L2"
check "and invisible again when it leaves" \
    test "$(as paul -c "select (select count(*) from comments where entity = 'leads' and entity_id = $L2)
                             + (select count(*) from chat_messages where entity = 'leads' and entity_id = $L2)
                             + (select count(*) from leads where id = $L2)")" = 0

# ---- events follow what the partner may see (047) ----
nI=$(as sam -c "insert into interactions (kind, subject, account_id) values ('note', 'VisEv internal note', $S) returning id" | head -1)
as sam -c "insert into comments (entity, entity_id, body, visibility) values ('interactions', $nI, 'VisEv shared comment on an internal note', 'shared')" >/dev/null
check "a shared comment on an internal note: its event is no partner's"     test "$(as paul -c "select count(*) from events where summary like '%VisEv shared comment on an internal note%'")" = 0
check "...though internal users see it"     test "$(as sam -c "select count(*) from events where summary like '%VisEv shared comment on an internal note%'")" = 1
tC=$(as sam -c "insert into comments (entity, entity_id, body, visibility) values ('tickets', $tSLA, 'VisEv shared by mistake', 'shared') returning id" | head -1)
check "a shared comment's event reaches the partner"     test "$(as paul -c "select count(*) from events where summary like '%VisEv shared by mistake%'")" = 1
as sam -c "update comments set visibility = 'internal' where id = $tC" >/dev/null
check "...and leaves him when the comment is made internal"     test "$(as paul -c "select count(*) from events where summary like '%VisEv shared by mistake%'")" = 0
sI=$(as sam -c "insert into interactions (kind, subject, account_id, visibility) values ('note', 'VisEv shared note', $S, 'shared') returning id" | head -1)
as sam -c "insert into comments (entity, entity_id, body, visibility) values ('interactions', $sI, 'VisEv comment on the shared note', 'shared')" >/dev/null
check "a shared note and its comment: both events reach the partner"     test "$(as paul -c "select count(*) from events where summary like '%VisEv shared note%' or summary like '%VisEv comment on the shared note%'")" = 2
as sam -c "update interactions set visibility = 'internal' where id = $sI" >/dev/null
check "...and leave him when the note is made internal"     test "$(as paul -c "select count(*) from events where summary like '%VisEv shared note%' or summary like '%VisEv comment on the shared note%'")" = 0

# a partner's import whose row an internal user moved out of his sight: the revert is refused
# (a partner reverts no import: docs/import.md), without the row's text, its editor or when
as paul -c "begin; select ccrm_import_begin('tickets', 'vis.csv');
            insert into tickets (account_id, subject) values ($S, 'VisImp partner import'); commit;" >/dev/null
bI=$(q "select max(id) from import_batches where created_by = 'paul'")
tI=$(q "select id from tickets where subject = 'VisImp partner import'")
as sam -c "update tickets set subject = 'VisImp secret subject', account_id = $U where id = $tI" >/dev/null
out=$(as paul -c "select ccrm_import_revert($bI)" 2>&1)
check "the partner's revert is refused ($out)" grep -q "partners may not revert imports" <<<"$out"
check "...naming neither the new subject nor who changed it" bash -c "! grep -q -e 'VisImp secret' -e sam <<<'$out'"

# a bulk change of one shared account's rows reaches the partner (his lists re-read); one
# that spans accounts is no partner's
as sam -c "insert into contacts (account_id, last_name) select $S, 'VisBulk ' || g from generate_series(1, 25) g" >/dev/null
check "25 contacts inserted into the shared account: the partner sees the bulk event" \
    test "$(as paul -c "select count(*) from events where op = 'bulk' and summary = '25 contacts inserted'")" = 1
as sam -c "update contacts set title = 'VisBulk title' where last_name like 'VisBulk %'" >/dev/null
check "...and their update" test "$(as paul -c "select count(*) from events where op = 'bulk' and summary = '25 contacts updated'")" = 1
as sam -c "insert into contacts (account_id, last_name) select case when g % 2 = 0 then $S else $U end, 'VisMixed ' || g from generate_series(1, 22) g" >/dev/null
check "a bulk insert over a shared and an unshared account: the partner hears of the shared one's rows" \
    test "$(as paul -c "select string_agg(account_id || ' ' || summary, ',') from events where op = 'bulk' and summary = '11 contacts inserted'")" = "$S 11 contacts inserted"
check "...internal users see one event per account, each with its count" \
    test "$(as sam -c "select count(*) from events where op = 'bulk' and summary = '11 contacts inserted' and account_id in ($S, $U)")" = 2


# a partner's own chat message on a record he no longer sees: not rewritten, not deleted (051)
S2=$(as sam -c "insert into accounts (name) values ('Vis Unshared later') returning id")
"$CCRM" -d "$PG_CONN" --share "$S2" --partner ' Nordlicht Reseller GmbH ' >/dev/null ||
    fail "share with blanks around the organisation's name (as --add-user takes it)"
pc1=$(as paul -c "insert into chat_messages (entity, entity_id, body) values ('accounts', $S2, 'VisLater one') returning id")
pc2=$(as paul -c "insert into chat_messages (entity, entity_id, body) values ('accounts', $S2, 'VisLater two') returning id")
"$CCRM" -d "$PG_CONN" --unshare "$S2" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "unshare"
check "after the unshare the partner rewrites none of his chat there (an UPDATE without WHERE)" \
    test "$(as paul -c "update chat_messages set body = 'VisLater EDITED'" 2>&1;
            q "select count(*) from chat_messages where id in ($pc1, $pc2) and body = 'VisLater EDITED'")" = 0
check "...nor deletes it, by id or by id and version" \
    test "$(as paul -c "select ccrm_delete('chat_messages', array[$pc1::bigint]) || ',' || ccrm_delete('chat_messages', $pc2::bigint, 1)")" = "0,false"
check "...both are there as written" \
    test "$(q "select string_agg(body, ',' order by id) from chat_messages where id in ($pc1, $pc2)")" = "VisLater one,VisLater two"
"$CCRM" -d "$PG_CONN" --share "$S2" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share again"
check "shared again, he edits and deletes his own" \
    test "$(as paul -c "update chat_messages set body = 'VisLater edited' where id = $pc1 returning body"),$(as paul -c "select ccrm_delete('chat_messages', $pc2::bigint, 1)")" = "VisLater edited,t"

# ccrm_delete(entity, id, version) compares the version on every kind that has one
sg=$(as sam -c "insert into segments (name, definition) values ('VisSeg', '{\"rules\": [{\"interest\": {\"product\": \"x\"}}]}') returning id")
out=$(as sam -c "select ccrm_delete('segments', $sg::bigint, 999)" 2>&1)
check "a segment at another version is not deleted ($out)" grep -q 'record was changed by someone else' <<<"$out"
check "...at its version it is" test "$(as sam -c "select ccrm_delete('segments', $sg::bigint, 1)")" = t
cm=$(as sam -c "insert into comments (entity, entity_id, body) values ('accounts', $S, 'VisVersioned') returning id")
out=$(as sam -c "select ccrm_delete('comments', $cm::bigint, 7)" 2>&1)
check "nor a comment ($out)" grep -q 'record was changed by someone else' <<<"$out"
done_testing
