-- ccrm schema, migration 061: a partner reads an interest only with where it was learned.
--
-- 021 showed a partner every interest of a person or account it sees. But an interest keeps
-- text of the record it was learned from: the sales signal (ccrm_ticket_signal) records the
-- ticket's subject as the topic and the signal's text, which it also stores as an internal
-- note, as the interest's note. So a partner read the subject of a ticket of an account not
-- shared with it, and the internal note, in `interests`, on a contact's 360 view, in the
-- report by product and through its segments (all of them read `interests` as the caller).
--
-- A RESTRICTIVE policy adds, for partners, on top of 021's "the person or account is
-- visible":
--   * the record it was learned from is visible too, by that record's own policy: a ticket,
--     deal or timeline entry by ccrm_record_exists (a timeline entry that is an internal note
--     is not: 022's partner_shared), a mail by the messages' policy (017). An interest learned
--     from a record that is gone stays internal.
--   * a sales signal's interest is never visible: its note is the signal's internal note (and
--     signals are internal hand-offs to sales: partners cannot send them).
-- The rule is read at every query, so it holds for every writer and for the rows written
-- before; every reader of interests (ccrm_record_interests, ccrm_report_interests_by_product,
-- segments, the client's lists) runs as the caller. docs/security.md §4 explains the rule.
CREATE POLICY partner_source ON interests AS RESTRICTIVE FOR SELECT TO ccrm_partner
    USING (interests.source <> 'signal'
           AND CASE WHEN interests.source_entity IS NULL THEN true
                    WHEN interests.source_entity = 'messages'
                        THEN EXISTS (SELECT 1 FROM messages m WHERE m.id = interests.source_id)
                    ELSE ccrm_record_exists(interests.source_entity, interests.source_id) END);
