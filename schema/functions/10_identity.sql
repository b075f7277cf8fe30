-- ccrm schema functions: Who is acting, which department, which partner organisation; the people
-- administration behind --add-user, --disable-user and --unshare.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- (No SET clause, so that it inlines into the stamps of every row: it names nothing a
-- search_path could redirect.)
CREATE OR REPLACE FUNCTION ccrm_actor() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::text
                ELSE current_setting('role') END
$$;

-- The person a write is made by: ccrm_actor() (SET ROLE if any, else the login), refused when
-- that is a role nobody logs in as (a department group role, ccrm_internal, a pg_ role), so
-- that no write is anonymous. Called once per statement (a catalog lookup), never per row.
CREATE OR REPLACE FUNCTION ccrm_person() RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_who text;
BEGIN
    -- no SET ROLE: the login itself, which by definition can log in (no catalog lookup)
    IF current_setting('role') = 'none' THEN
        RETURN session_user;
    END IF;
    v_who := public.ccrm_actor();
    IF NOT coalesce((SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.rolname = v_who),
                    false) THEN
        RAISE EXCEPTION 'writes as the group role "%" are refused: write as yourself', v_who
            USING ERRCODE = '42501', HINT = 'RESET ROLE, then try again.';
    END IF;
    RETURN v_who;
END
$$;

-- A time as the reader counts it: in the zone the full-screen client set for the person
-- (ccrm.tz, from their settings: db_set_display_tz), else the session's. What the screens show
-- (to_char of a timestamptz); plain SQL with no SET clause, so that it inlines.
CREATE OR REPLACE FUNCTION ccrm_local(p_at timestamptz) RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p_at AT TIME ZONE coalesce(nullif(current_setting('ccrm.tz', true), ''),
                                      current_setting('TimeZone'))
$$;

-- When something happened, as a message names it: in the reader's zone (the client's ccrm.tz),
-- with the zone's name where the session has none of its own (a batch command, psql) so a
-- time read in UTC is not taken for local: "2026-12-05 11:58:46" or "2026-12-05 10:58:46 UTC".
CREATE OR REPLACE FUNCTION ccrm_when(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT to_char(public.ccrm_local(p_at), 'YYYY-MM-DD HH24:MI:SS')
           || CASE WHEN nullif(current_setting('ccrm.tz', true), '') IS NULL
                   THEN ' ' || current_setting('TimeZone') ELSE '' END
$$;

CREATE OR REPLACE FUNCTION ccrm_dept() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN pg_has_role(current_user, 'ccrm_admin', 'USAGE') THEN 'admin'
        WHEN pg_has_role(current_user, 'ccrm_management', 'USAGE') THEN 'management'
        WHEN pg_has_role(current_user, 'ccrm_sales', 'USAGE') THEN 'sales'
        WHEN pg_has_role(current_user, 'ccrm_support', 'USAGE') THEN 'support'
        WHEN pg_has_role(current_user, 'ccrm_marketing', 'USAGE') THEN 'marketing'
        WHEN pg_has_role(current_user, 'ccrm_billing', 'USAGE') THEN 'billing'
        WHEN pg_has_role(current_user, 'ccrm_partner', 'USAGE') THEN 'partner'
    END
$$;

CREATE OR REPLACE FUNCTION ccrm_is_internal() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_has_role(current_user, 'ccrm_internal', 'USAGE') $$;

-- Department tests decide on the person acting. Outside SECURITY DEFINER functions that is
-- current_user, as before; inside one (ccrm_delete, an import's revert) it is still the caller,
-- not the owner, so a department rule on a trigger holds there too.
CREATE OR REPLACE FUNCTION ccrm_in_dept(VARIADIC p_depts text[]) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_has_role(public.ccrm_actor(), 'ccrm_admin', 'USAGE')
        OR EXISTS (SELECT 1 FROM unnest(p_depts) d
                    WHERE pg_has_role(public.ccrm_actor(), 'ccrm_' || d, 'USAGE'))
$$;

-- The partner organisation of the caller; NULL for internal users. Reads users through the
-- caller's own policy (a partner sees only its own users row), so it cannot recurse.
CREATE OR REPLACE FUNCTION ccrm_partner_org() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.partner_org_id FROM public.users u WHERE u.login = current_user AND u.active
$$;

-- May the caller see this account? (For clients; policies inline the same test.)
CREATE OR REPLACE FUNCTION ccrm_account_visible(p_account bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT public.ccrm_is_internal()
        OR EXISTS (SELECT 1 FROM public.account_shares s
                    WHERE s.account_id = p_account AND s.partner_org_id = public.ccrm_partner_org())
$$;

-- The logins of the partners of every organisation but the caller's. What one partner
-- organisation writes on an account shared with two (a reseller's ticket, its chat, its
-- presence) is its own and the company's, not the other reseller's: the RESTRICTIVE policies
-- `partner_own_org` (migration 107) leave out rows whose created_by, actor or login is one of
-- these, computed once per query (`(SELECT ccrm_other_partners())`, an InitPlan), so a row costs
-- a comparison with a short array (restrictive policies are tested before the others: a
-- function call per row cost every row a partner's list walked). DEFINER: a partner reads only
-- its own `users` row; it learns the logins of other organisations' partners, which pg_roles
-- and its memberships already tell every login (docs/security.md §6). The caller is
-- ccrm_actor() (current_user is the owner here).
CREATE OR REPLACE FUNCTION ccrm_other_partners() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(u.login), '{}')
      FROM public.users u
     WHERE u.partner_org_id IS NOT NULL
       AND u.partner_org_id IS DISTINCT FROM
           (SELECT me.partner_org_id FROM public.users me WHERE me.login = public.ccrm_actor())
$$;
SELECT ccrm_set_execute('ccrm_other_partners()', 'ccrm_partner');

-- What every login gets: a connection limit (-1: none) and the session defaults lock_timeout 5s
-- (nobody waits long behind someone else's lock) and idle_in_transaction_session_timeout 5min
-- (a forgotten open transaction ends). Run by the owner: ccrm_add_user, migration 014, the
-- demo loader.
CREATE OR REPLACE FUNCTION ccrm_login_defaults(p_login text, p_conn_limit int) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT %s', p_login, p_conn_limit);
    EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', p_login, '5s');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_login, '5min');
END
$$;
SELECT ccrm_set_execute('ccrm_login_defaults(text,integer)');

-- One line of visible text: no C0 or C1 control character (tab and line feed included), no
-- line or paragraph separator, no zero-width or bidirectional format character, no byte order
-- mark. Such characters are shown as '?' by the client, or move the text on screen.
CREATE OR REPLACE FUNCTION ccrm_visible_line(p_text text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_text !~ '[\x01-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]';

-- Create a person (ccrm --add-user; admins only): login role, department, users row, with a
-- connection limit (p_conn_limit, default 10; -1: none) and the
-- session defaults every login gets (ccrm_login_defaults).
CREATE OR REPLACE FUNCTION ccrm_add_user(p_login text, p_dept text, p_org text DEFAULT NULL,
                              p_display_name text DEFAULT NULL, p_verifier text DEFAULT NULL,
                              p_conn_limit int DEFAULT 10)
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
                                        'billing', 'partner', 'admin') THEN
        RAISE EXCEPTION 'unknown department "%"', p_dept
            USING ERRCODE = '22023',
                  HINT = 'Departments: sales, support, marketing, management, billing, partner, admin.';
    END IF;
    IF (p_dept = 'partner') <> (p_org IS NOT NULL) THEN
        RAISE EXCEPTION 'a partner user needs a partner organisation, and only a partner user has one'
            USING ERRCODE = '22023';
    END IF;
    IF p_verifier IS NOT NULL AND p_verifier !~ '^SCRAM-SHA-256\$' THEN
        RAISE EXCEPTION 'a password must be given as a SCRAM-SHA-256 verifier'
            USING ERRCODE = '22023';
    END IF;
    IF NOT ccrm_visible_line(p_display_name) THEN
        RAISE EXCEPTION 'a display name is one line of visible text: no line breaks, tabs, control or invisible format characters'
            USING ERRCODE = '22023';
    END IF;
    IF p_conn_limit IS NULL OR p_conn_limit < -1 OR p_conn_limit = 0 OR p_conn_limit > 1000 THEN
        RAISE EXCEPTION 'invalid connection limit %: give 1 to 1000, or -1 for none', p_conn_limit
            USING ERRCODE = '22023';
    END IF;

    SELECT u.active, u.department, u.partner_org_id INTO r FROM users u WHERE u.login = p_login;
    IF FOUND AND (r.active OR r.department <> p_dept
                  OR r.partner_org_id IS DISTINCT FROM
                     (SELECT o.id FROM partner_orgs o WHERE o.name = btrim(p_org))) THEN
        IF r.active THEN
            RAISE EXCEPTION 'user "%" already exists', p_login USING ERRCODE = '23505';
        END IF;
        RAISE EXCEPTION 'user "%" already exists (disabled, in %)', p_login,
                        r.department || coalesce((SELECT ', ' || o.name FROM partner_orgs o
                                                   WHERE o.id = r.partner_org_id), '')
            USING ERRCODE = '23505',
                  HINT = 'Adding a disabled user again with the same department enables the login again.';
    ELSIF FOUND THEN
        -- a disabled user added again as they were: the login comes back (the reverse of
        -- ccrm_disable_user, which kept the role, its membership and the history)
        IF EXISTS (SELECT 1 FROM pg_roles a WHERE a.rolname = p_login AND a.rolsuper) THEN
            RAISE EXCEPTION 'role "%" is a superuser: ccrm does not change it', p_login
                USING ERRCODE = '42501';
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN', p_login);
        IF p_verifier IS NOT NULL THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
        END IF;
        IF NOT pg_has_role(p_login, 'ccrm_' || p_dept, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', 'ccrm_' || p_dept, p_login);
        END IF;
        UPDATE users SET active = true WHERE login = p_login;
        RETURN format('enabled user %s in %s again (history kept)', p_login, 'ccrm_' || p_dept);
    END IF;

    SELECT a.oid, a.rolsuper, a.rolcreaterole, a.rolbypassrls, a.rolreplication, a.rolcanlogin,
           a.rolcreatedb
      INTO r
      FROM pg_roles a WHERE a.rolname = p_login;
    IF FOUND THEN
        -- an existing role (e.g. created by a DBA) is adopted only if it holds nothing: no
        -- privileged attribute, no membership in another role (pg_execute_server_program, the
        -- owner, a superuser: what it is a member of, the adopting admin could use once he sets
        -- its password) but ccrm's own (roles are the cluster's: a person of another ccrm
        -- database of the same cluster is adopted), no members (they would all get the
        -- department's rights), and no object it owns or was granted rights on in any database
        -- of the cluster (pg_shdepend)
        IF r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication OR r.rolcreatedb THEN
            RAISE EXCEPTION 'role "%" exists and is privileged: ccrm does not adopt it', p_login
                USING ERRCODE = '42501';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid AND g.rolname !~ '^ccrm_')
           OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid) THEN
            RAISE EXCEPTION 'role "%" exists and is a member of other roles or has members: ccrm does not adopt it',
                            p_login
                USING ERRCODE = '42501',
                      HINT = 'Choose another login, or let a superuser revoke its memberships first.';
        END IF;
        -- ccrm's roles are the cluster's too: a person of another department (another ccrm
        -- database's admin) would keep it here as well, beside the one asked for (095)
        IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid AND g.rolname ~ '^ccrm_'
                      AND g.rolname NOT IN ('ccrm_' || p_dept, 'ccrm_internal')) THEN
            RAISE EXCEPTION 'role "%" is already in % (ccrm''s roles are the cluster''s): ccrm does not add it to %',
                            p_login,
                            (SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname)
                               FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                              WHERE m.member = r.oid AND g.rolname ~ '^ccrm_'
                                AND g.rolname <> 'ccrm_internal'),
                            'ccrm_' || p_dept
                USING ERRCODE = '42501',
                      HINT = 'Add it with the department it has, or let a superuser revoke that first.';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_shdepend d
                    WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r.oid) THEN
            RAISE EXCEPTION 'role "%" exists and owns objects or holds rights on them: ccrm does not adopt it',
                            p_login
                USING ERRCODE = '42501',
                      HINT = 'Choose another login, or let a superuser reassign its objects and rights first.';
        END IF;
        -- another person's login keeps its own password: setting one would take it over
        IF r.rolcanlogin AND p_verifier IS NOT NULL THEN
            RAISE EXCEPTION 'role "%" exists and can log in already: ccrm adopts it with its own password (leave out --password)',
                            p_login
                USING ERRCODE = '42501';
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN', p_login);
        v_note := ' (existing role adopted)';
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN', p_login);
    END IF;
    PERFORM ccrm_login_defaults(p_login, p_conn_limit);
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
SELECT ccrm_set_execute('ccrm_add_user(text,text,text,text,text,integer)', 'ccrm_admin');

CREATE OR REPLACE FUNCTION ccrm_disable_user(p_login text) RETURNS text
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
SELECT ccrm_set_execute('ccrm_disable_user(text)', 'ccrm_admin');

-- Stop sharing an account with a partner organisation (admins; ccrm --unshare). Returns
-- whether a share was removed.
CREATE OR REPLACE FUNCTION ccrm_unshare(p_account bigint, p_org bigint) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_n int;
BEGIN
    IF NOT pg_has_role(ccrm_person(), 'ccrm_admin', 'USAGE') THEN
        RAISE EXCEPTION 'only admins stop sharing accounts' USING ERRCODE = '42501';
    END IF;
    DELETE FROM account_shares s WHERE s.account_id = p_account AND s.partner_org_id = p_org;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n > 0;
END
$$;
SELECT ccrm_set_execute('ccrm_unshare(bigint,bigint)', 'ccrm_admin');
