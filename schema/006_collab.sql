-- ccrm schema, migration 006: collaboration actions (docs/design.md §1, §6 keys c, a, h): comments
-- with @mentions, assignments and hand-offs, lead conversion, support's sales signal, and
-- the inbox they all write to. Everything here holds for every writer (psql included); the
-- client (src/db/actions.c) only calls it.
--
-- SECURITY INVOKER everywhere (the default), deliberately:
--   * every function and trigger here runs as the person acting, so grants, FORCE'd row-level
--     security and the department triggers of 004 decide exactly as they would for the same
--     statements typed into psql. A partner cannot assign, convert or comment on a record it
--     cannot see, because inside these functions it still cannot see it; no function can be
--     used to probe or to write past a policy.
--   * stamps, optimistic locking, audit and events come from the ordinary triggers of 001 on
--     the ordinary INSERT/UPDATE statements issued here, with the actor being the caller.
--   * nothing here needs rights the caller lacks: internal departments write accounts,
--     contacts, leads, deals, tickets, interactions, mentions and inbox rows (001/004), which
--     is all a conversion, an assignment or a signal writes. In particular marketing converts
--     leads with its own rights (it inserts accounts, contacts and deals and updates leads
--     already); no write is opened to anyone by this migration except a partner marking its
--     own inbox rows read.
-- A SECURITY DEFINER function would have to re-implement every policy by hand, and a mistake
-- there would be a hole; with INVOKER the worst case is a refusal.
--
-- Refusals the caller can act on carry a SQLSTATE and a message naming the problem:
--   P0002  the record does not exist or is not visible ("lead #12 not found": the same text for
--          both, so that a partner learns nothing about unshared records)
--   22023  an unknown person or department, a disabled user, a partner as owner, a department
--          for a plain assignment, an entity that has no owner, a negative amount
--   55000  the record is not in a state that allows it (lead already converted, ticket
--          without a person)
--   42501  partners may read but not assign, hand off, convert or signal (after the
--          visibility check, so an unshared record still answers "not found")

-- ---------------------------------------------------------------------------------------
-- Helpers (invoker: they see what the caller sees)
-- ---------------------------------------------------------------------------------------

-- ccrm_entity_noun(): schema/functions/20_records.sql
-- ccrm_record_exists(): schema/functions/20_records.sql
-- ccrm_record_account(): schema/functions/20_records.sql
-- ccrm_lead_deal_name(): schema/functions/50_collab.sql
-- ccrm_inbox_note(): schema/functions/50_collab.sql
-- ---------------------------------------------------------------------------------------
-- Comments: on a record that exists (and that the writer sees), and @mentions
-- ---------------------------------------------------------------------------------------
-- ccrm_comment_target(): schema/functions/50_collab.sql
CREATE TRIGGER ccrm_comment_target BEFORE INSERT OR UPDATE OF entity, entity_id ON comments
    FOR EACH ROW EXECUTE FUNCTION ccrm_comment_target();

-- ccrm_comment_mentions(): schema/functions/50_collab.sql
CREATE TRIGGER ccrm_comment_mentions AFTER INSERT OR UPDATE OF body ON comments
    FOR EACH ROW EXECUTE FUNCTION ccrm_comment_mentions();

-- ccrm_mention_once(): schema/functions/50_collab.sql
CREATE TRIGGER ccrm_mention_once BEFORE INSERT ON mentions
    FOR EACH ROW EXECUTE FUNCTION ccrm_mention_once();
CREATE TRIGGER ccrm_mention_once BEFORE INSERT ON inbox
    FOR EACH ROW WHEN (NEW.kind = 'mention') EXECUTE FUNCTION ccrm_mention_once();

-- ---------------------------------------------------------------------------------------
-- Inbox: the recipient marks rows read; partners too, and they see only rows about records
-- they can see. Inbox rows are data rows of 001: every insert and update writes audit and
-- events rows and sends the wake-up, so an open Inbox refreshes live.
-- ---------------------------------------------------------------------------------------
-- ccrm_inbox_read_rule(): schema/functions/50_collab.sql
CREATE TRIGGER ccrm_inbox_read_rule BEFORE UPDATE OF read_at ON inbox
    FOR EACH ROW EXECUTE FUNCTION ccrm_inbox_read_rule();

GRANT UPDATE (read_at) ON inbox TO ccrm_partner;
CREATE POLICY partner_update ON inbox FOR UPDATE TO ccrm_partner
    USING (login = current_user) WITH CHECK (login = current_user);
-- on top of "its own rows" (004): only those about a record the partner sees (or about none)
CREATE POLICY partner_visible ON inbox AS RESTRICTIVE FOR ALL TO ccrm_partner
    USING (inbox.entity IS NULL
           OR EXISTS (SELECT 1 FROM account_shares s
                       WHERE s.account_id = ccrm_record_account(inbox.entity, inbox.entity_id)
                         AND s.partner_org_id = (SELECT ccrm_partner_org())));
-- the events of a partner's own (visible) inbox rows reach its client, so its Inbox updates
-- live; their summary is "<kind> for <its own login>"
CREATE POLICY partner_read_inbox ON events FOR SELECT TO ccrm_partner
    USING (events.entity = 'inbox'
           AND EXISTS (SELECT 1 FROM inbox i WHERE i.id = events.entity_id));

CREATE INDEX inbox_entity_idx ON inbox (entity, entity_id, id);
CREATE INDEX users_department_idx ON users (department, login) WHERE active;

-- ---------------------------------------------------------------------------------------
-- Assign and hand off
--
-- ccrm_assign(entity, id, to, note, handoff) → number of inbox rows written
--   to = a login (a leading @ is allowed) or a department: sales, support, marketing,
--   management (a department name wins over a login of the same name).
--   * a person: the record's owner (tickets: assignee) becomes that login, by an ordinary
--     UPDATE (stamp, version, audit, events; nothing when it is already theirs), and they get
--     an inbox row, kind 'assignment' (handoff false) or 'handoff' (true), with the note.
--     Assigning to oneself takes the record without an inbox row. Only active internal users
--     own records: a partner is refused (mention them in a comment instead).
--   * a department (handoff only): a 'handoff' inbox row for each of its active users except
--     the caller; the owner stays. A department with nobody else in it is refused, so a
--     hand-off never silently reaches no one.
--   Any internal user may assign and hand off (whoever may UPDATE the record: campaigns only
--   marketing and management, as in 004); partners may not.
-- ---------------------------------------------------------------------------------------
-- ccrm_assign(): schema/functions/50_collab.sql
-- ---------------------------------------------------------------------------------------
-- Convert a lead
--
-- ccrm_convert_lead(lead, deal_name, amount) → (account_id, contact_id, opportunity_id)
--   account: the lead's account, else the account of the contact reused below, else a new
--            one named after the lead's company (or "First Last", or the e-mail);
--   contact: the lead's contact, else the contact with the lead's e-mail (case-insensitive),
--            else a new one from the lead's name and e-mail (NULL when the lead has neither:
--            a company-only lead). A reused contact without an account joins the account;
--   deal:    stage 'prospecting', named deal_name or ccrm_lead_deal_name() ("<company> – new
--            deal"), with the amount; not created when deal_name is NULL/blank and amount is
--            NULL (opportunity_id is then NULL);
--   lead:    status 'converted', contact_id and account_id set; its owner is unchanged.
--   Owners: records created here are owned by the lead's owner, or by the caller when the
--   lead has none; reused records keep theirs. Any internal department may convert
--   (marketing included: it writes with its own rights); partners may not. A converted lead
--   is refused (55000); the lead row is locked, so two people converting at once cannot both
--   succeed.
-- ---------------------------------------------------------------------------------------
-- ccrm_convert_lead(): schema/functions/50_collab.sql
-- ---------------------------------------------------------------------------------------
-- Support's sales signal on a ticket
--
-- ccrm_ticket_signal(ticket, note) → the lead's id
--   The ticket's person is its contact (a ticket without one is refused, 55000). Their lead
--   is the one with that contact_id, else the one with the contact's e-mail
--   (case-insensitive); an open lead is preferred to a converted one, then the newest.
--   * found: score + 10 (at most 100); status new/unqualified → 'contacted' (the person is
--     talking to us and showed interest), other statuses stay (a converted lead stays
--     converted: the signal then is about an existing customer); contact_id/account_id are
--     filled in where empty; owner unchanged;
--   * none: a new lead from the contact (first/last name, e-mail), company = the account's
--     name, source 'support', status 'contacted', score 10, owner NULL, linked to contact and
--     account.
--   Then a note (interaction kind 'note', subject "Sales signal from ticket #N", body = the
--   note) linked to the lead, contact, ticket and account, so it shows on every one of their
--   timelines; and a 'handoff' inbox row about the lead for every active sales user and for
--   the lead's owner (if active, internal and not already among them), never for the caller.
--   Any internal user may signal; partners may not.
-- ---------------------------------------------------------------------------------------
-- ccrm_ticket_signal(): schema/functions/50_collab.sql
-- The actions are for people; their own checks refuse partners with a clear message after
-- the visibility check (so that for a partner an unshared record is "not found").
