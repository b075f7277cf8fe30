-- ccrm schema, migration 004: row-level security, department write rights, partner access,
-- an append-only audit trail, and the user administration functions behind --add-user and
-- --disable-user. docs/security.md explains the model and every decision; keep them in step.
--
-- Three layers, each doing one job:
--   * GRANTs say which department may run which command on which table (a refusal is a clear
--     "permission denied for table ...").
--   * POLICIES say which rows a role sees and writes: internal departments all customer rows,
--     a partner only what hangs off accounts shared with its organisation. Policies are
--     attached TO a group role, so for internal users the only policy is "true" and the
--     planner keeps every index (no security quals at all).
--   * TRIGGERS enforce value rules that depend on the department (only support closes
--     tickets, only sales wins deals) with an error naming the rule, SQLSTATE 42501.
--
-- Identity is current_user (the login role, or the role it SET ROLE to). SET ROLE cannot
-- escalate: a role can only become a role it is a member of, and no person is a member of
-- another department. Session variables are not used: they are spoofable from psql.
--
-- Does not depend on migration 003 (import batches); tables added by later migrations enable
-- RLS themselves following the pattern in docs/security.md.

-- ---------------------------------------------------------------------------------------
-- Helpers for policies and clients. Plain invoker functions (not SECURITY DEFINER): they see
-- what the caller sees, so they cannot be used to probe. current_user inside them is the
-- caller, because a SET clause does not change the user.
-- ---------------------------------------------------------------------------------------
-- ccrm_dept(): schema/functions/10_identity.sql
-- ccrm_is_internal(): schema/functions/10_identity.sql
-- ccrm_in_dept(): schema/functions/10_identity.sql
-- ccrm_partner_org(): schema/functions/10_identity.sql
-- ccrm_account_visible(): schema/functions/10_identity.sql
-- ---------------------------------------------------------------------------------------
-- Privileges: departments own their tables' deletes; marketing owns campaigns
-- ---------------------------------------------------------------------------------------
-- nobody may create objects in public that a SECURITY DEFINER function could pick up
-- (PostgreSQL 15 already revokes this; older clusters upgraded in place may still have it)
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

REVOKE DELETE ON accounts, contacts, leads, opportunities, tickets FROM ccrm_internal;
GRANT DELETE ON accounts, contacts, opportunities TO ccrm_sales, ccrm_management;
GRANT DELETE ON tickets TO ccrm_support, ccrm_management;
GRANT DELETE ON leads TO ccrm_marketing, ccrm_management;
REVOKE INSERT, UPDATE, DELETE ON campaigns, campaign_members FROM ccrm_internal;
GRANT INSERT, UPDATE, DELETE ON campaigns, campaign_members TO ccrm_marketing, ccrm_management;
-- interactions, comments, mentions, inbox: every internal user writes; the policies below
-- limit updates and deletes of comments and inbox rows to their people

-- partners: read what the policies show them; log tickets and interactions. Column grants
-- keep out ids (OVERRIDING SYSTEM VALUE would turn a primary-key clash into an existence
-- test) and workflow fields (status, assignee).
GRANT SELECT ON accounts, contacts, leads, opportunities, tickets, interactions, comments,
                mentions, inbox, events, users, partner_orgs, account_shares
    TO ccrm_partner;
GRANT INSERT (account_id, contact_id, subject, body, priority, channel, product)
    ON tickets TO ccrm_partner;
GRANT INSERT (kind, channel, direction, subject, body, at, due_at, done_at, account_id,
              contact_id, lead_id, opportunity_id, ticket_id)
    ON interactions TO ccrm_partner;

-- ---------------------------------------------------------------------------------------
-- Row-level security, forced (the table owner is subject to it too)
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    t text;
    v_owner text;
BEGIN
    FOREACH t IN ARRAY ARRAY['partner_orgs', 'users', 'accounts', 'account_shares', 'contacts',
                             'leads', 'opportunities', 'tickets', 'interactions', 'comments',
                             'mentions', 'inbox', 'campaigns', 'campaign_members', 'events',
                             'audit']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        -- The owner is the system: migrations and the SECURITY DEFINER logging trigger run as
        -- it and must see and write every row. Nobody logs in as the owner (docs/security.md).
        SELECT pg_get_userbyid(c.relowner) INTO v_owner
          FROM pg_class c WHERE c.oid = format('public.%I', t)::regclass;
        EXECUTE format('CREATE POLICY ccrm_owner ON %I TO %I USING (true) WITH CHECK (true)',
                       t, v_owner);
    END LOOP;

    -- internal departments: every row (grants decide the commands)
    FOREACH t IN ARRAY ARRAY['partner_orgs', 'users', 'accounts', 'account_shares', 'contacts',
                             'leads', 'opportunities', 'tickets', 'interactions', 'mentions',
                             'campaigns', 'campaign_members']
    LOOP
        EXECUTE format('CREATE POLICY internal_all ON %I TO ccrm_internal '
                       'USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;

-- written only by the triggers (as the owner); every internal user reads them
CREATE POLICY internal_read ON events FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY internal_read ON audit FOR SELECT TO ccrm_internal USING (true);

-- interactions: anyone internal logs and edits them; only the author, management and admin
-- remove one
CREATE POLICY internal_delete_own ON interactions AS RESTRICTIVE FOR DELETE TO ccrm_internal
    USING (created_by = current_user OR ccrm_in_dept('management'));

-- comments: everyone reads, writes in their own name, edits and removes only their own
CREATE POLICY internal_read ON comments FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY internal_insert ON comments FOR INSERT TO ccrm_internal
    WITH CHECK (author = current_user OR ccrm_in_dept('admin'));
CREATE POLICY internal_update ON comments FOR UPDATE TO ccrm_internal
    USING (author = current_user OR ccrm_in_dept('admin'))
    WITH CHECK (author = current_user OR ccrm_in_dept('admin'));
CREATE POLICY internal_delete ON comments FOR DELETE TO ccrm_internal
    USING (author = current_user OR ccrm_in_dept('management'));

-- inbox: hand-offs are visible to every internal user (docs/design.md §1); a row is sent in one's own
-- name, and only its recipient or sender (or admin) changes or removes it
CREATE POLICY internal_read ON inbox FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY internal_insert ON inbox FOR INSERT TO ccrm_internal
    WITH CHECK (from_login IS NULL OR from_login = current_user OR ccrm_in_dept('admin'));
CREATE POLICY internal_update ON inbox FOR UPDATE TO ccrm_internal
    USING (login = current_user OR from_login = current_user OR ccrm_in_dept('admin'))
    WITH CHECK (login = current_user OR from_login = current_user OR ccrm_in_dept('admin'));
CREATE POLICY internal_delete ON inbox FOR DELETE TO ccrm_internal
    USING (login = current_user OR from_login = current_user OR ccrm_in_dept('admin'));

-- ---- partners ----
-- "shared" below is always: a row of account_shares for this account and the caller's
-- organisation. The inner (SELECT ccrm_partner_org()) is evaluated once per query.
CREATE POLICY partner_read ON users FOR SELECT TO ccrm_partner
    USING (login = current_user);
CREATE POLICY partner_read ON partner_orgs FOR SELECT TO ccrm_partner
    USING (id = (SELECT ccrm_partner_org()));
CREATE POLICY partner_read ON account_shares FOR SELECT TO ccrm_partner
    USING (partner_org_id = (SELECT ccrm_partner_org()));
CREATE POLICY partner_read ON accounts FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = accounts.id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON contacts FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = contacts.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON leads FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = leads.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON opportunities FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = opportunities.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON tickets FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = tickets.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON interactions FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = interactions.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
-- a comment is visible when the record it is on is (ccrm_entity_account reads that record
-- through the partner's own policies, so an invisible record yields NULL)
CREATE POLICY partner_read ON comments FOR SELECT TO ccrm_partner
    USING (comments.entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                               'interactions')
           AND EXISTS (SELECT 1 FROM account_shares s
                        WHERE s.account_id = ccrm_entity_account(comments.entity,
                                                                 comments.entity_id)
                          AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON mentions FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM comments c WHERE c.id = mentions.comment_id));
CREATE POLICY partner_read ON inbox FOR SELECT TO ccrm_partner
    USING (login = current_user);
-- events: only about customer records of shared accounts; bulk events (no account) and
-- events about sharing, users and organisations (which would name other partners) are not
CREATE POLICY partner_read ON events FOR SELECT TO ccrm_partner
    USING (events.entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                             'interactions', 'comments')
           AND EXISTS (SELECT 1 FROM account_shares s
                        WHERE s.account_id = events.account_id
                          AND s.partner_org_id = (SELECT ccrm_partner_org())));

-- Partners log tickets and interactions on shared accounts. Every record named must be one
-- the partner sees, so a reference to an unshared row fails this check before any foreign
-- key could say whether it exists: the error is the same as for an id that does not exist.
CREATE POLICY partner_insert ON tickets FOR INSERT TO ccrm_partner
    WITH CHECK (EXISTS (SELECT 1 FROM account_shares s
                         WHERE s.account_id = tickets.account_id
                           AND s.partner_org_id = (SELECT ccrm_partner_org()))
                AND (tickets.contact_id IS NULL
                     OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = tickets.contact_id)));
CREATE POLICY partner_insert ON interactions FOR INSERT TO ccrm_partner
    WITH CHECK (EXISTS (SELECT 1 FROM account_shares s
                         WHERE s.account_id = interactions.account_id
                           AND s.partner_org_id = (SELECT ccrm_partner_org()))
                AND (interactions.contact_id IS NULL
                     OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = interactions.contact_id))
                AND (interactions.lead_id IS NULL
                     OR EXISTS (SELECT 1 FROM leads l WHERE l.id = interactions.lead_id))
                AND (interactions.opportunity_id IS NULL
                     OR EXISTS (SELECT 1 FROM opportunities o
                                 WHERE o.id = interactions.opportunity_id))
                AND (interactions.ticket_id IS NULL
                     OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = interactions.ticket_id)));

-- ---------------------------------------------------------------------------------------
-- Department rules on values (BEFORE ROW, run as the writer)
-- ---------------------------------------------------------------------------------------
-- ccrm_rule_ticket_status(): schema/functions/20_records.sql
-- ccrm_rule_deal_won(): schema/functions/20_records.sql
CREATE TRIGGER ccrm_rule_status BEFORE INSERT OR UPDATE OF status ON tickets
    FOR EACH ROW EXECUTE FUNCTION ccrm_rule_ticket_status();
CREATE TRIGGER ccrm_rule_stage BEFORE INSERT OR UPDATE OF stage ON opportunities
    FOR EACH ROW EXECUTE FUNCTION ccrm_rule_deal_won();

-- ---------------------------------------------------------------------------------------
-- The audit trail is append-only: no role has UPDATE or DELETE on it, and this trigger stops
-- the owner and superusers too (unless they deliberately disable it; docs/security.md).
-- ---------------------------------------------------------------------------------------
-- ccrm_audit_append_only(): schema/functions/30_events.sql
CREATE TRIGGER ccrm_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION ccrm_audit_append_only();
CREATE TRIGGER ccrm_append_only_trunc BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_audit_append_only();
REVOKE ALL ON audit FROM PUBLIC;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit, events FROM ccrm_internal, ccrm_admin;

-- ---------------------------------------------------------------------------------------
-- User administration (ccrm --add-user, --disable-user)
--
-- SECURITY DEFINER so that admins need no CREATEROLE of their own (in PostgreSQL 15
-- CREATEROLE can grant itself into almost any role). These run as the schema owner, which
-- must be a superuser or have CREATEROLE. Only members of ccrm_admin may EXECUTE them. Role
-- names are validated and quoted with %I; a password arrives only as a SCRAM verifier
-- computed by the client (PQencryptPasswordConn), never in clear text.
-- ---------------------------------------------------------------------------------------
-- ccrm_add_user(): schema/functions/10_identity.sql
-- ccrm_disable_user(): schema/functions/10_identity.sql
