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
CREATE FUNCTION ccrm_dept() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN pg_has_role(current_user, 'ccrm_admin', 'USAGE') THEN 'admin'
        WHEN pg_has_role(current_user, 'ccrm_management', 'USAGE') THEN 'management'
        WHEN pg_has_role(current_user, 'ccrm_sales', 'USAGE') THEN 'sales'
        WHEN pg_has_role(current_user, 'ccrm_support', 'USAGE') THEN 'support'
        WHEN pg_has_role(current_user, 'ccrm_marketing', 'USAGE') THEN 'marketing'
        WHEN pg_has_role(current_user, 'ccrm_partner', 'USAGE') THEN 'partner'
    END
$$;

CREATE FUNCTION ccrm_is_internal() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_has_role(current_user, 'ccrm_internal', 'USAGE') $$;

-- Is the caller in one of these departments (or admin, who may do what any department may)?
CREATE FUNCTION ccrm_in_dept(VARIADIC p_depts text[]) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_has_role(current_user, 'ccrm_admin', 'USAGE')
        OR EXISTS (SELECT 1 FROM unnest(p_depts) d
                    WHERE pg_has_role(current_user, 'ccrm_' || d, 'USAGE'))
$$;

-- The partner organisation of the caller; NULL for internal users. Reads users through the
-- caller's own policy (a partner sees only its own users row), so it cannot recurse.
CREATE FUNCTION ccrm_partner_org() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.partner_org_id FROM public.users u WHERE u.login = current_user AND u.active
$$;

-- May the caller see this account? (For clients; policies inline the same test.)
CREATE FUNCTION ccrm_account_visible(p_account bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT public.ccrm_is_internal()
        OR EXISTS (SELECT 1 FROM public.account_shares s
                    WHERE s.account_id = p_account AND s.partner_org_id = public.ccrm_partner_org())
$$;

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
CREATE FUNCTION ccrm_rule_ticket_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.status IN ('solved', 'closed')
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status)
       AND NOT ccrm_in_dept('support', 'management') THEN
        RAISE EXCEPTION 'only support, management and admin may set a ticket to %', NEW.status
            USING ERRCODE = '42501',
                  HINT = 'Hand the ticket off to support to solve or close it.';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION ccrm_rule_deal_won() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.stage = 'won'
       AND (TG_OP = 'INSERT' OR OLD.stage IS DISTINCT FROM NEW.stage)
       AND NOT ccrm_in_dept('sales', 'management') THEN
        RAISE EXCEPTION 'only sales, management and admin may move a deal to won'
            USING ERRCODE = '42501',
                  HINT = 'Hand the deal off to its owner in sales.';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ccrm_rule_status BEFORE INSERT OR UPDATE OF status ON tickets
    FOR EACH ROW EXECUTE FUNCTION ccrm_rule_ticket_status();
CREATE TRIGGER ccrm_rule_stage BEFORE INSERT OR UPDATE OF stage ON opportunities
    FOR EACH ROW EXECUTE FUNCTION ccrm_rule_deal_won();

-- ---------------------------------------------------------------------------------------
-- The audit trail is append-only: no role has UPDATE or DELETE on it, and this trigger stops
-- the owner and superusers too (unless they deliberately disable it; docs/security.md).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION ccrm_audit_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be changed or deleted'
        USING ERRCODE = '42501';
END
$$;

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
CREATE FUNCTION ccrm_add_user(p_login text, p_dept text, p_org text DEFAULT NULL,
                              p_display_name text DEFAULT NULL, p_verifier text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r       record;
    v_org   bigint;
    v_note  text := '';
BEGIN
    IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid login name: use 1 to 63 lower-case letters, digits and _, not starting with a digit'
            USING ERRCODE = '22023';
    END IF;
    IF p_login ~ '^(pg_|ccrm_)' OR p_login IN ('public', 'none', 'current_user',
                                                'session_user', 'current_role') THEN
        RAISE EXCEPTION 'login name "%" is reserved', p_login USING ERRCODE = '22023';
    END IF;
    IF p_dept IS NULL OR p_dept NOT IN ('sales', 'support', 'marketing', 'management',
                                        'partner', 'admin') THEN
        RAISE EXCEPTION 'unknown department "%"', p_dept
            USING ERRCODE = '22023',
                  HINT = 'Departments: sales, support, marketing, management, partner, admin.';
    END IF;
    IF (p_dept = 'partner') <> (p_org IS NOT NULL) THEN
        RAISE EXCEPTION 'a partner user needs a partner organisation, and only a partner user has one'
            USING ERRCODE = '22023';
    END IF;
    IF p_verifier IS NOT NULL AND p_verifier !~ '^SCRAM-SHA-256\$' THEN
        RAISE EXCEPTION 'a password must be given as a SCRAM-SHA-256 verifier'
            USING ERRCODE = '22023';
    END IF;

    SELECT u.active, u.department INTO r FROM users u WHERE u.login = p_login;
    IF FOUND THEN
        RAISE EXCEPTION 'user "%" already exists%', p_login,
                        CASE WHEN r.active THEN '' ELSE ' (disabled)' END
            USING ERRCODE = '23505';
    END IF;

    SELECT a.rolsuper, a.rolcreaterole, a.rolbypassrls, a.rolreplication INTO r
      FROM pg_roles a WHERE a.rolname = p_login;
    IF FOUND THEN
        -- an existing role (e.g. created by a DBA) is adopted only if it is unprivileged
        IF r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication THEN
            RAISE EXCEPTION 'role "%" exists and is privileged: ccrm does not adopt it', p_login
                USING ERRCODE = '42501';
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN', p_login);
        v_note := ' (existing role adopted)';
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN', p_login);
    END IF;
    IF p_verifier IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
    END IF;
    EXECUTE format('GRANT %I TO %I', 'ccrm_' || p_dept, p_login);

    IF p_org IS NOT NULL THEN
        SELECT o.id INTO v_org FROM partner_orgs o WHERE o.name = btrim(p_org);
        IF NOT FOUND THEN
            INSERT INTO partner_orgs (name) VALUES (btrim(p_org)) RETURNING id INTO v_org;
            v_note := v_note || format(', new partner organisation "%s"', btrim(p_org));
        END IF;
    END IF;
    INSERT INTO users (login, display_name, department, partner_org_id)
    VALUES (p_login, coalesce(nullif(btrim(p_display_name), ''), p_login), p_dept, v_org);
    RETURN format('added user %s in %s%s', p_login, 'ccrm_' || p_dept, v_note);
END
$$;

CREATE FUNCTION ccrm_disable_user(p_login text) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_ended int := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.login = p_login) THEN
        RAISE EXCEPTION 'no ccrm user "%"', p_login USING ERRCODE = '22023';
    END IF;
    IF p_login = ccrm_actor() OR p_login = session_user THEN
        RAISE EXCEPTION 'you cannot disable your own login' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles a WHERE a.rolname = p_login AND a.rolsuper) THEN
        RAISE EXCEPTION 'role "%" is a superuser: ccrm does not change it', p_login
            USING ERRCODE = '42501';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles a WHERE a.rolname = p_login) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
    END IF;
    UPDATE users SET active = false WHERE login = p_login AND active;
    -- end the sessions the user still has open, so that disabling takes effect now
    BEGIN
        SELECT count(*) FILTER (WHERE pg_terminate_backend(s.pid)) INTO v_ended
          FROM pg_stat_activity s WHERE s.usename = p_login;
    EXCEPTION WHEN insufficient_privilege THEN
        v_ended := 0;
    END;
    RETURN format('disabled user %s (login revoked, history kept%s)', p_login,
                  CASE WHEN v_ended > 0 THEN format(', %s session%s ended', v_ended,
                                                   CASE WHEN v_ended = 1 THEN '' ELSE 's' END)
                       ELSE '' END);
END
$$;

REVOKE ALL ON FUNCTION ccrm_add_user(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_disable_user(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ccrm_add_user(text, text, text, text, text) TO ccrm_admin;
GRANT EXECUTE ON FUNCTION ccrm_disable_user(text) TO ccrm_admin;
