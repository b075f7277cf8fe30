-- ccrm schema functions: Responsibility and time. Who is competent (the responsibility matrix,
-- absences, routing at insert, ccrm_who), business-hours arithmetic, SLA clocks, tasks and the
-- agenda, followers and the notification budget (ccrm_inbox_deliver), and the scheduler
-- (ccrm_tick, pg_cron). Tables: schema/018_responsibility.sql.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.
--
-- Hot helpers (routing, business time, quiet hours: called at every ticket insert) are
-- plpgsql, whose plans are cached for the session (a SQL function called from plpgsql is
-- planned again in every transaction), pin no search_path and name their tables with public.:
-- they are plain invoker functions (a caller's search_path can only fool the caller), and a
-- SET clause would cost a configuration save and restore per call. Every SECURITY DEFINER
-- function pins search_path = pg_catalog, public, pg_temp.

-- =======================================================================================
-- People: time zone, team, availability
-- =======================================================================================

-- A person's time zone: their own setting, else the default calendar's, else UTC.
CREATE OR REPLACE FUNCTION ccrm_user_tz(p_login text) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    -- a partner reads neither settings nor calendars (his agenda, his tasks): UTC
    IF NOT has_table_privilege('public.inbox_settings', 'SELECT') THEN
        RETURN 'UTC';
    END IF;
    RETURN coalesce((SELECT s.time_zone FROM public.inbox_settings s WHERE s.login = p_login),
                    (SELECT c.time_zone FROM public.calendars c WHERE c.is_default),
                    'UTC');
END
$$;

-- A wall-clock time typed in a time zone (a form's "2026-03-29 02:30" in the person's zone) as
-- the instant it names. A time the clocks skip (the hour a zone springs forward) names no
-- instant: PostgreSQL would move it by the gap without a word; it is refused (22008, on the
-- column given, so a form shows it at the field) with the time it would have become.
CREATE OR REPLACE FUNCTION ccrm_wall_time(p_local timestamp, p_tz text, p_column text DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_at timestamptz := p_local AT TIME ZONE p_tz;
BEGIN
    IF (v_at AT TIME ZONE p_tz) <> p_local THEN
        RAISE EXCEPTION 'no % in %: the clocks skip that hour (% is %)',
            to_char(p_local, 'YYYY-MM-DD HH24:MI'), p_tz, to_char(p_local, 'HH24:MI'),
            to_char(v_at AT TIME ZONE p_tz, 'HH24:MI')
            USING ERRCODE = '22008', COLUMN = coalesce(p_column, '');
    END IF;
    RETURN v_at;
END
$$;

-- A person's team lead (users.manager), NULL when none.
CREATE OR REPLACE FUNCTION ccrm_manager_of(p_login text) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN (SELECT u.manager FROM public.users u WHERE u.login = p_login);
END
$$;

-- A person's team: the people they lead and, when they lead nobody, the people who share
-- their lead and that lead; without any lead, their department. Themselves included.
CREATE OR REPLACE FUNCTION ccrm_team(p_login text) RETURNS SETOF text
LANGUAGE sql STABLE
AS $$
    WITH me AS (SELECT u.login, u.manager, u.department FROM public.users u WHERE u.login = p_login)
    SELECT p_login
    UNION
    SELECT u.login FROM public.users u, me WHERE u.active AND u.manager = me.login
    UNION
    SELECT u.login FROM public.users u, me
     WHERE u.active AND me.manager IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM public.users x WHERE x.manager = me.login)
       AND (u.manager = me.manager OR u.login = me.manager)
    UNION
    SELECT u.login FROM public.users u, me
     WHERE u.active AND me.manager IS NULL
       AND NOT EXISTS (SELECT 1 FROM public.users x WHERE x.manager = me.login)
       AND u.department = me.department
$$;

-- The absence covering p_login on the day p_at falls on in their time zone (the latest
-- starting one), as (starts_on, ends_on, deputy); no row when present.
CREATE OR REPLACE FUNCTION ccrm_absence(p_login text, p_at timestamptz DEFAULT now())
RETURNS TABLE (starts_on date, ends_on date, deputy text)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY
        SELECT a.starts_on, a.ends_on, a.deputy
          FROM public.absences a
         WHERE a.login = p_login
           AND a.ends_on >= (p_at AT TIME ZONE public.ccrm_user_tz(p_login))::date
           AND a.starts_on <= (p_at AT TIME ZONE public.ccrm_user_tz(p_login))::date
         ORDER BY a.starts_on DESC, a.id DESC
         LIMIT 1;
END
$$;

-- May p_login be given work now: an active internal user who is not away.
CREATE OR REPLACE FUNCTION ccrm_available(p_login text, p_at timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_day date;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.users u
                    WHERE u.login = p_login AND u.active AND u.partner_org_id IS NULL
                      AND u.department <> 'partner') THEN
        RETURN false;
    END IF;
    -- (no absence at all: no need for the day in their time zone)
    IF NOT EXISTS (SELECT 1 FROM public.absences a WHERE a.login = p_login) THEN
        RETURN true;
    END IF;
    v_day := (p_at AT TIME ZONE public.ccrm_user_tz(p_login))::date;
    RETURN NOT EXISTS (SELECT 1 FROM public.absences a
                        WHERE a.login = p_login AND a.ends_on >= v_day AND a.starts_on <= v_day);
END
$$;

-- Is p_login an active internal user (one who may own records)?
CREATE OR REPLACE FUNCTION ccrm_is_staff(p_login text) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM public.users u
                    WHERE u.login = p_login AND u.active AND u.partner_org_id IS NULL);
END
$$;

CREATE OR REPLACE FUNCTION ccrm_user_manager_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.manager IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u
                                                WHERE u.login = NEW.manager
                                                  AND u.partner_org_id IS NULL) THEN
        RAISE EXCEPTION 'no internal user "%" to be the team lead of %', NEW.manager, NEW.login
            USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_user_manager_check()');

-- =======================================================================================
-- The responsibility matrix
-- =======================================================================================

-- "support · account #4 · territory DE, AT · product Pro · queue billing · topic invoice"
CREATE OR REPLACE FUNCTION ccrm_rule_conditions(p_department text, p_account bigint,
                                                p_territory text[], p_product text,
                                                p_queue text, p_topic text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN concat_ws(' · ', p_department,
                     'account ' || coalesce((SELECT '"' || a.name || '"' FROM public.accounts a
                                              WHERE a.id = p_account), '#' || p_account),
                     'territory ' || array_to_string(p_territory, ', '),
                     'product "' || p_product || '"',
                     'queue ' || p_queue,
                     'topic "' || p_topic || '"');
END
$$;

-- Department names are the internal group roles (a department added later counts at once).
CREATE OR REPLACE FUNCTION ccrm_responsibility_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'ccrm_' || NEW.department)
       OR NOT pg_has_role('ccrm_' || NEW.department, 'ccrm_internal', 'MEMBER')
       OR NEW.department = 'internal' THEN
        RAISE EXCEPTION 'unknown department "%"', NEW.department
            USING ERRCODE = '22023',
                  HINT = 'Rules are for the internal departments (sales, support, marketing, management, admin).';
    END IF;
    IF NOT ccrm_is_staff(NEW.person) THEN
        RAISE EXCEPTION 'no active internal user "%" to be responsible', NEW.person
            USING ERRCODE = '22023', HINT = 'Partners are never given internal work.';
    END IF;
    IF NEW.deputy IS NOT NULL AND NOT ccrm_is_staff(NEW.deputy) THEN
        RAISE EXCEPTION 'no active internal user "%" to be the deputy', NEW.deputy
            USING ERRCODE = '22023', HINT = 'Partners are never given internal work.';
    END IF;
    -- compared folded (case and accents ignored), so stored folded
    NEW.territory := (SELECT array_agg(DISTINCT ccrm_fold(btrim(t)) ORDER BY ccrm_fold(btrim(t)))
                        FROM unnest(NEW.territory) t WHERE btrim(t) <> '');
    NEW.product := nullif(btrim(NEW.product), '');
    NEW.topic := nullif(btrim(NEW.topic), '');
    NEW.queue := lower(NEW.queue);
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_responsibility_check()');

CREATE OR REPLACE FUNCTION ccrm_absence_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.login = NEW.login AND u.partner_org_id IS NULL) THEN
        RAISE EXCEPTION 'no internal user "%"', NEW.login USING ERRCODE = '22023';
    END IF;
    IF NEW.deputy IS NOT NULL AND NOT ccrm_is_staff(NEW.deputy) THEN
        RAISE EXCEPTION 'no active internal user "%" to be the deputy', NEW.deputy
            USING ERRCODE = '22023', HINT = 'Partners are never given internal work.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_absence_check()');

-- The matching rules for a matter, in the order they are tried, from already folded values
-- (ccrm_fold of the country, product, topic and text; the queue in lower case): a plain SQL
-- query the planner inlines into its caller (routing at every insert reads it). p_depts: the
-- departments whose rules apply, in order (a ticket: support; a lead: marketing, then sales).
-- p_topic is matched exactly; when it is NULL, a rule's topic matches whole words of p_text (a
-- ticket's subject).
CREATE OR REPLACE FUNCTION ccrm_route_rules(p_depts text[], p_account bigint, p_country text,
                                            p_product text, p_queue text, p_topic text,
                                            p_text text)
RETURNS TABLE (rule_id bigint, department text, priority int, person text, deputy text,
               account_id bigint, territory text[], product text, queue text, topic text)
LANGUAGE sql STABLE
AS $$
    SELECT r.id, r.department, r.priority, r.person, r.deputy, r.account_id, r.territory,
           r.product, r.queue, r.topic
      FROM public.responsibilities r
     WHERE r.active AND r.department = ANY (p_depts)
       AND (r.account_id IS NULL OR r.account_id = p_account)
       AND (r.territory IS NULL OR p_country = ANY (r.territory))
       AND (r.product IS NULL OR r.product_key = p_product)
       AND (r.queue IS NULL OR r.queue = p_queue)
       AND (r.topic IS NULL
            OR r.topic_key = p_topic
            OR (p_topic IS NULL
                AND p_text ~ ('(^|[^[:alnum:]])'
                    || regexp_replace(r.topic_key, '([!$()*+.:<=>?[\\\]^{|}-])',
                                      '\\\1', 'g')
                    || '($|[^[:alnum:]])')))
     ORDER BY array_position(p_depts, r.department), r.priority,
              num_nonnulls(r.account_id, r.territory, r.product, r.queue, r.topic) DESC, r.id
$$;

-- The same with the values as given, each rule with its conditions in words (ccrm_who).
CREATE OR REPLACE FUNCTION ccrm_route_candidates(p_depts text[], p_account bigint,
                                                 p_country text, p_product text, p_queue text,
                                                 p_topic text, p_text text)
RETURNS TABLE (rule_id bigint, department text, priority int, person text, deputy text,
               conditions text)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY
    SELECT r.rule_id, r.department, r.priority, r.person, r.deputy,
           public.ccrm_rule_conditions(r.department, r.account_id, r.territory, r.product,
                                       r.queue, r.topic)
      FROM public.ccrm_route_rules(p_depts, p_account, public.ccrm_fold(btrim(p_country)),
                                   public.ccrm_fold(btrim(p_product)), lower(p_queue),
                                   public.ccrm_fold(btrim(p_topic)), public.ccrm_fold(p_text)) r;
END
$$;

-- Who is competent: the first matching rule whose person is available (an active internal
-- user, not away), else that person's stand-in (the deputy their absence names, else the
-- rule's deputy) when available; else the next rule. When everyone named is away, the first
-- rule's person (still active) keeps it. No row: no rule matches. how: 'person', 'deputy' (of
-- person, away until away_until when an absence says so) or 'away' (everyone named is). The
-- routing trigger asks only this; ccrm_route_pick puts the answer in words.
CREATE OR REPLACE FUNCTION ccrm_route_choose(p_depts text[], p_account bigint, p_country text,
                                             p_product text, p_queue text, p_topic text,
                                             p_text text, p_at timestamptz DEFAULT now())
RETURNS TABLE (login text, rule_id bigint, how text, person text, away_until date)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
-- (the rules' statement is planned once a session: planning it costs 0.3 ms, and with the
-- default a session planned it for its first five inserts, and for every one when the
-- planner judged the generic plan dearer)
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    c        record;
    a        record;
    v_dep    text;
    v_fperson text;
    v_frule  bigint;
    -- the values folded once here, not for every rule
    v_country text := ccrm_fold(btrim(p_country));
    v_product text := ccrm_fold(btrim(p_product));
    v_topic   text := ccrm_fold(btrim(p_topic));
    v_text    text := ccrm_fold(p_text);
BEGIN
    -- the rules read in one inlined statement
    FOR c IN SELECT * FROM ccrm_route_rules(p_depts, p_account, v_country, v_product,
                                            lower(p_queue), v_topic, v_text) LOOP
        IF ccrm_available(c.person, p_at) THEN
            login := c.person;
            rule_id := c.rule_id;
            how := 'person';
            person := c.person;
            RETURN NEXT;
            RETURN;
        END IF;
        -- the deputy the absence names, else (none, or away too) the rule's
        SELECT * INTO a FROM ccrm_absence(c.person, p_at);
        v_dep := CASE WHEN a.deputy IS NOT NULL AND ccrm_available(a.deputy, p_at) THEN a.deputy
                      WHEN c.deputy IS NOT NULL AND ccrm_available(c.deputy, p_at) THEN c.deputy
                 END;
        IF v_dep IS NOT NULL THEN
            login := v_dep;
            rule_id := c.rule_id;
            how := 'deputy';
            person := c.person;
            away_until := a.ends_on;
            RETURN NEXT;
            RETURN;
        END IF;
        IF v_fperson IS NULL AND ccrm_is_staff(c.person) THEN
            v_fperson := c.person;
            v_frule := c.rule_id;
        END IF;
    END LOOP;
    IF v_fperson IS NOT NULL THEN
        login := v_fperson;
        rule_id := v_frule;
        how := 'away';
        person := v_fperson;
        RETURN NEXT;
    END IF;
END
$$;

-- The same, and why in words: the deciding rule with its conditions (ccrm_who, :who).
CREATE OR REPLACE FUNCTION ccrm_route_pick(p_depts text[], p_account bigint, p_country text,
                                           p_product text, p_queue text, p_topic text,
                                           p_text text, p_at timestamptz DEFAULT now())
RETURNS TABLE (login text, rule_id bigint, reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT c.login, c.rule_id,
           format('rule #%s (%s, priority %s)', r.id,
                  ccrm_rule_conditions(r.department, r.account_id, r.territory, r.product,
                                       r.queue, r.topic), r.priority)
           || CASE c.how
                  WHEN 'deputy' THEN format(': deputy of %s, who is %s', c.person,
                                            CASE WHEN c.away_until IS NOT NULL
                                                 THEN format('away until %s', c.away_until)
                                                 ELSE 'not available' END)
                  WHEN 'away' THEN ': everyone named is away'
                  ELSE '' END
      FROM ccrm_route_choose(p_depts, p_account, p_country, p_product, p_queue, p_topic,
                             p_text, p_at) c
      JOIN responsibilities r ON r.id = c.rule_id
$$;

-- ccrm_who: "who handles product X for account Y" -- every matching rule in the order tried,
-- with chosen = true on the row of the answer (login: who gets it; reason: why). The country
-- is the account's unless given. Reads the rules as the caller (partners see none).
CREATE OR REPLACE FUNCTION ccrm_who(p_dept text, p_account bigint DEFAULT NULL,
                                    p_product text DEFAULT NULL, p_queue text DEFAULT NULL,
                                    p_topic text DEFAULT NULL, p_country text DEFAULT NULL,
                                    p_text text DEFAULT NULL)
RETURNS TABLE (chosen boolean, login text, rule_id bigint, department text, priority int,
               conditions text, person text, deputy text, reason text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_depts   text[];
    v_country text := p_country;
    p         record;
BEGIN
    v_depts := CASE lower(coalesce(p_dept, 'support'))
                   WHEN 'tickets' THEN ARRAY['support']
                   WHEN 'leads' THEN ARRAY['marketing', 'sales']
                   ELSE ARRAY[lower(coalesce(p_dept, 'support'))] END;
    IF v_country IS NULL AND p_account IS NOT NULL THEN
        SELECT a.country INTO v_country FROM accounts a WHERE a.id = p_account;
    END IF;
    SELECT * INTO p FROM ccrm_route_pick(v_depts, p_account, v_country, p_product, p_queue,
                                          p_topic, p_text);
    RETURN QUERY
        SELECT coalesce(c.rule_id = p.rule_id, false),
               CASE WHEN c.rule_id = p.rule_id THEN p.login END,
               c.rule_id, c.department, c.priority, c.conditions, c.person, c.deputy,
               CASE WHEN c.rule_id = p.rule_id THEN p.reason
                    WHEN NOT ccrm_is_staff(c.person) THEN c.person || ' is not an active internal user'
                    WHEN NOT ccrm_available(c.person) THEN c.person || ' is away'
                    ELSE 'not tried: an earlier rule decided' END
          FROM ccrm_route_candidates(v_depts, p_account, v_country, p_product, p_queue, p_topic,
                                     p_text) c;
END
$$;

-- The same question for an existing ticket or lead, from its own attributes.
CREATE OR REPLACE FUNCTION ccrm_who_for(p_entity text, p_id bigint)
RETURNS TABLE (chosen boolean, login text, rule_id bigint, department text, priority int,
               conditions text, person text, deputy text, reason text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    IF p_entity = 'tickets' THEN
        SELECT x.account_id, x.product, x.queue, x.subject INTO t FROM tickets x WHERE x.id = p_id;
        IF FOUND THEN
            RETURN QUERY SELECT * FROM ccrm_who('tickets', t.account_id, t.product, t.queue, NULL,
                                               NULL, t.subject);
            RETURN;
        END IF;
    ELSIF p_entity = 'leads' THEN
        SELECT x.account_id, x.queue, x.source INTO t FROM leads x WHERE x.id = p_id;
        IF FOUND THEN
            RETURN QUERY SELECT * FROM ccrm_who('leads', t.account_id, NULL, t.queue, t.source,
                                               NULL, NULL);
            RETURN;
        END IF;
    ELSE
        RAISE EXCEPTION 'cannot route %: only tickets and leads are routed', coalesce(p_entity, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id USING ERRCODE = 'P0002';
END
$$;

-- BEFORE INSERT on tickets and leads: no assignee (owner) given -> the competent person by the
-- rules, and the rule in routed_rule. SECURITY DEFINER: a partner's ticket is routed by rules
-- the partner may not read.
CREATE OR REPLACE FUNCTION ccrm_route() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    p         record;
    v_country text;
BEGIN
    -- an unmerge puts a record back as it was (schema/021): routed then, not again now (a
    -- new row's created_at is now(), so the check costs an insert nothing)
    IF NEW.created_at < now() AND ccrm_restoring() THEN
        RETURN NEW;
    END IF;
    NEW.routed_rule := NULL;
    IF TG_TABLE_NAME = 'tickets' THEN
        IF NEW.assignee IS NOT NULL THEN
            RETURN NEW;
        END IF;
        SELECT a.country INTO v_country FROM accounts a WHERE a.id = NEW.account_id;
        SELECT * INTO p FROM ccrm_route_choose(ARRAY['support'], NEW.account_id, v_country,
                                                NEW.product, NEW.queue, NULL, NEW.subject);
        IF p.login IS NOT NULL THEN
            NEW.assignee := p.login;
            NEW.routed_rule := p.rule_id;
        END IF;
    ELSE
        IF NEW.owner IS NOT NULL THEN
            RETURN NEW;
        END IF;
        SELECT a.country INTO v_country FROM accounts a WHERE a.id = NEW.account_id;
        SELECT * INTO p FROM ccrm_route_choose(ARRAY['marketing', 'sales'], NEW.account_id,
                                                v_country, NULL, NEW.queue, NEW.source, NULL);
        IF p.login IS NOT NULL THEN
            NEW.owner := p.login;
            NEW.routed_rule := p.rule_id;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_route()');

-- AFTER INSERT (statement): each routed record's person hears why, from the person who
-- inserted it (nobody hears of their own insert). A statement of more than 20 records (an
-- import) tells each person once how many came their way.
CREATE OR REPLACE FUNCTION ccrm_route_notify() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_from text := ccrm_person();
    r      record;
    v_n    bigint;
BEGIN
    IF ccrm_restoring() THEN  -- an unmerge's record was routed, and its person told, before
        RETURN NULL;
    END IF;
    -- static statements per table (a dynamic one would be planned at every insert)
    IF TG_TABLE_NAME = 'tickets' THEN
        SELECT count(*) INTO v_n FROM new_rows n WHERE n.routed_rule IS NOT NULL;
        IF v_n BETWEEN 1 AND 20 THEN
            FOR r IN SELECT n.id, n.assignee AS login, n.subject AS label, x.id AS rule, x.person,
                            ccrm_rule_conditions(x.department, x.account_id, x.territory,
                                                 x.product, x.queue, x.topic) AS conditions
                       FROM new_rows n JOIN responsibilities x ON x.id = n.routed_rule
                      WHERE n.assignee IS DISTINCT FROM v_from  -- (nobody hears of their own)
                      ORDER BY n.id LOOP
                PERFORM ccrm_inbox_deliver(r.login, 'routed', 'tickets', r.id, v_from,
                    format('new ticket #%s %s routed to you by rule #%s (%s)%s', r.id, r.label,
                           r.rule, r.conditions,
                           CASE WHEN r.person <> r.login THEN ' as the deputy of ' || r.person
                                ELSE '' END));
            END LOOP;
        ELSIF v_n > 20 THEN
            FOR r IN SELECT n.assignee AS login, count(*) AS k FROM new_rows n
                      WHERE n.routed_rule IS NOT NULL GROUP BY 1 ORDER BY 1 LOOP
                PERFORM ccrm_inbox_deliver(r.login, 'routed', NULL, NULL, v_from,
                    format('%s new tickets routed to you by the rules', to_char(r.k, 'FM999,999,990')));
            END LOOP;
        END IF;
    ELSE
        SELECT count(*) INTO v_n FROM new_rows n WHERE n.routed_rule IS NOT NULL;
        IF v_n BETWEEN 1 AND 20 THEN
            FOR r IN SELECT n.id, n.owner AS login, x.id AS rule, x.person,
                            concat_ws(' ', n.first_name, n.last_name,
                                      '(' || n.company || ')') AS label,
                            ccrm_rule_conditions(x.department, x.account_id, x.territory,
                                                 x.product, x.queue, x.topic) AS conditions
                       FROM new_rows n JOIN responsibilities x ON x.id = n.routed_rule
                      WHERE n.owner IS DISTINCT FROM v_from  -- (nobody hears of their own)
                      ORDER BY n.id LOOP
                PERFORM ccrm_inbox_deliver(r.login, 'routed', 'leads', r.id, v_from,
                    format('new lead #%s %s routed to you by rule #%s (%s)%s', r.id, r.label,
                           r.rule, r.conditions,
                           CASE WHEN r.person <> r.login THEN ' as the deputy of ' || r.person
                                ELSE '' END));
            END LOOP;
        ELSIF v_n > 20 THEN
            FOR r IN SELECT n.owner AS login, count(*) AS k FROM new_rows n
                      WHERE n.routed_rule IS NOT NULL GROUP BY 1 ORDER BY 1 LOOP
                PERFORM ccrm_inbox_deliver(r.login, 'routed', NULL, NULL, v_from,
                    format('%s new leads routed to you by the rules', to_char(r.k, 'FM999,999,990')));
            END LOOP;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_route_notify()');

-- =======================================================================================
-- Business hours
-- =======================================================================================

-- Weekly hours as minutes of the week (Monday 00:00 = 0 .. 10080), from a spec such as
-- 'mon-fri 09:00-17:00', 'mon-thu 08:00-12:00,13:00-17:00; fri 08:00-14:00', 'sat 10:00-24:00',
-- 'mon-fri 22:00-06:00' (past midnight) or '24/7'. Raises 22023 on anything else.
CREATE OR REPLACE FUNCTION ccrm_week_hours(p_spec text) RETURNS int4multirange
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_days  constant text[] := ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    v_out   int4multirange := '{}';
    v_part  text;
    v_dspec text;
    v_tspec text;
    v_item  text;
    v_d     int[];
    m       text[];
    d1      int;
    d2      int;
    t1      int;
    t2      int;
    d       int;
BEGIN
    IF lower(btrim(coalesce(p_spec, ''))) IN ('24/7', '24x7') THEN
        RETURN int4multirange(int4range(0, 10080));
    END IF;
    FOREACH v_part IN ARRAY regexp_split_to_array(lower(coalesce(p_spec, '')), '\s*[;\n]\s*') LOOP
        v_part := btrim(v_part);
        CONTINUE WHEN v_part = '';
        m := regexp_match(v_part, '^([a-z,\s-]+?)\s+([0-9:,\s-]+)$');
        IF m IS NULL THEN
            RAISE EXCEPTION 'could not read the hours "%": expected days and times such as "mon-fri 09:00-17:00"', v_part
                USING ERRCODE = '22023';
        END IF;
        v_dspec := m[1];
        v_tspec := m[2];
        v_d := '{}';
        FOREACH v_item IN ARRAY regexp_split_to_array(btrim(v_dspec), '\s*,\s*') LOOP
            m := regexp_match(v_item, '^([a-z]{3})[a-z]*(?:\s*-\s*([a-z]{3})[a-z]*)?$');
            d1 := array_position(v_days, m[1]);
            d2 := coalesce(array_position(v_days, m[2]), d1);
            IF m IS NULL OR d1 IS NULL OR d2 IS NULL OR (m[2] IS NOT NULL AND array_position(v_days, m[2]) IS NULL) THEN
                RAISE EXCEPTION 'could not read the days "%": use mon, tue, wed, thu, fri, sat, sun and ranges such as mon-fri', v_item
                    USING ERRCODE = '22023';
            END IF;
            d := d1;
            LOOP
                v_d := v_d || d;
                EXIT WHEN d = d2;
                d := d % 7 + 1;
            END LOOP;
        END LOOP;
        FOREACH v_item IN ARRAY regexp_split_to_array(btrim(v_tspec), '\s*,\s*') LOOP
            m := regexp_match(v_item, '^([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})$');
            IF m IS NULL THEN
                RAISE EXCEPTION 'could not read the times "%": use HH:MM-HH:MM', v_item
                    USING ERRCODE = '22023';
            END IF;
            t1 := m[1]::int * 60 + m[2]::int;
            t2 := m[3]::int * 60 + m[4]::int;
            IF m[2]::int > 59 OR m[4]::int > 59 OR t1 >= 1440 OR t2 > 1440 OR t1 = t2 THEN
                RAISE EXCEPTION 'could not read the times "%": times from 00:00 to 24:00, a start and a different end', v_item
                    USING ERRCODE = '22023';
            END IF;
            -- an end before the start runs past midnight into the next day (a night shift:
            -- "mon-fri 22:00-06:00" is Monday 22:00 to Tuesday 06:00, ..., Friday 22:00 to
            -- Saturday 06:00; Sunday's night ends on Monday morning)
            FOREACH d IN ARRAY v_d LOOP
                IF t1 < t2 THEN
                    v_out := v_out + int4multirange(int4range((d - 1) * 1440 + t1, (d - 1) * 1440 + t2));
                ELSE
                    v_out := v_out + int4multirange(int4range((d - 1) * 1440 + t1, d * 1440))
                                   + int4multirange(int4range((d % 7) * 1440, (d % 7) * 1440 + t2));
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
    IF isempty(v_out) THEN
        RAISE EXCEPTION 'a calendar needs opening hours' USING ERRCODE = '22023';
    END IF;
    RETURN v_out;
END
$$;

-- An unknown zone's refusal names the column time_zone, the column of every table that keeps
-- one (calendars, inbox_settings: their triggers ask through ccrm_time_zone_name), so that a
-- form shows it at its field.
CREATE OR REPLACE FUNCTION ccrm_check_time_zone(p_tz text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_tz IS NOT NULL AND NOT (p_tz = ANY (public.ccrm_time_zone_names())) THEN
        RAISE EXCEPTION 'unknown time zone "%"', p_tz
            USING ERRCODE = '22023', COLUMN = 'time_zone',
                  HINT = 'Use a name such as Europe/Berlin or America/New_York.';
    END IF;
END
$$;

-- The server's time zone names, read once a session: pg_timezone_names reads every zone file
-- (about 100 ms here), and each saved calendar or notification setting asks (the demo's
-- sixteen took 1.6 s). Kept in the session's ccrm.time_zone_names; a session that sets it
-- itself gains nothing by it, for the name found is loaded as the server's own zone file
-- before it is stored (ccrm_time_zone_name).
CREATE OR REPLACE FUNCTION ccrm_time_zone_names() RETURNS text[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_names text := current_setting('ccrm.time_zone_names', true);
BEGIN
    IF coalesce(v_names, '') = '' THEN
        SELECT string_agg(z.name, E'\n' ORDER BY z.name) INTO v_names FROM pg_timezone_names z;
        PERFORM set_config('ccrm.time_zone_names', v_names, false);
    END IF;
    RETURN string_to_array(v_names, E'\n');
END
$$;

-- A time zone as the server names it: "utc" is UTC, "europe/berlin" Europe/Berlin (people
-- type zone names in any case; PostgreSQL's own lookup ignores case too, but the stored name
-- is shown back and compared, so it is the canonical one). Unknown: ccrm_check_time_zone's error.
-- The list it is looked up in is a setting any session can write, so the name found is checked
-- by the server before it is kept: TimeZone set to ":" and the name loads the zone file of that
-- name or fails (the colon refuses the POSIX rules, offsets and abbreviations that AT TIME ZONE
-- would take, such as "ABC-3"), and the setting then shows the file's own name, which must be
-- the one found. A few microseconds; the SET clause gives the caller back its TimeZone.
CREATE OR REPLACE FUNCTION ccrm_time_zone_name(p_tz text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    v_name   text;
    v_server text;
BEGIN
    IF p_tz IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT z.name INTO v_name FROM unnest(public.ccrm_time_zone_names()) z(name)
     WHERE lower(z.name) = lower(btrim(p_tz))
     ORDER BY z.name = btrim(p_tz) DESC, z.name LIMIT 1;
    IF v_name IS NULL THEN
        PERFORM public.ccrm_check_time_zone(p_tz);
    END IF;
    BEGIN
        PERFORM set_config('TimeZone', ':' || v_name, true);
        v_server := current_setting('TimeZone');
    EXCEPTION WHEN invalid_parameter_value THEN
        v_server := NULL;
    END;
    IF v_server IS DISTINCT FROM v_name THEN
        RAISE EXCEPTION 'unknown time zone "%"', p_tz
            USING ERRCODE = '22023', COLUMN = 'time_zone',
                  HINT = 'Use a name such as Europe/Berlin or America/New_York.';
    END IF;
    RETURN v_name;
END
$$;

CREATE OR REPLACE FUNCTION ccrm_calendar_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.time_zone := ccrm_time_zone_name(NEW.time_zone);
    PERFORM ccrm_week_hours(NEW.hours);
    NEW.holidays := ARRAY(SELECT DISTINCT h FROM unnest(NEW.holidays) h WHERE h IS NOT NULL ORDER BY h);
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_calendar_check()');

-- Build the spans of a calendar: every open stretch of its weekly hours from 2020 to 2069,
-- holidays left out, each local wall-clock time turned into an absolute time in the calendar's
-- zone (so a DST day has the hours of its wall clock), with the business time before it.
CREATE OR REPLACE FUNCTION ccrm_calendar_build(p_cal bigint) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    c      calendars%ROWTYPE;
    v_week int4multirange;
BEGIN
    DELETE FROM calendar_spans s WHERE s.calendar_id = p_cal;
    SELECT * INTO c FROM calendars x WHERE x.id = p_cal;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_week := ccrm_week_hours(c.hours);
    INSERT INTO calendar_spans (calendar_id, starts, ends, before_us)
    SELECT p_cal, y.s, y.e,
           coalesce(sum(y.len) OVER (ORDER BY y.s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
      FROM (SELECT x.s, x.e, (extract(epoch FROM x.e - x.s) * 1000000)::bigint AS len
              -- a span starts no earlier than the ones before it end: hours that end in the
              -- hour a clock change skips ("01:00-02:30, 03:00-05:00" on the spring Sunday in
              -- Europe/Berlin: 02:30 does not exist and is read as 01:30 UTC, after 03:00's
              -- 01:00 UTC) overlapped the next span and their minutes counted twice (092)
              FROM (SELECT greatest(w.s, max(w.e) OVER (ORDER BY w.s, w.e
                                                        ROWS BETWEEN UNBOUNDED PRECEDING
                                                                 AND 1 PRECEDING)) AS s,
                           w.e
                      FROM (SELECT (z.d + make_interval(mins => z.lo)) AT TIME ZONE c.time_zone AS s,
                           (z.d + make_interval(mins => z.hi)) AT TIME ZONE c.time_zone AS e
                      FROM (SELECT d.d, h.lo, h.hi
                              FROM generate_series(timestamp '2020-01-01', timestamp '2069-12-31',
                                                   interval '1 day') d(d)
                              JOIN (SELECT dd AS dow,
                                           greatest(lower(r), (dd - 1) * 1440) - (dd - 1) * 1440 AS lo,
                                           least(upper(r), dd * 1440) - (dd - 1) * 1440 AS hi
                                      FROM generate_series(1, 7) dd, unnest(v_week) r
                                     WHERE r && int4range((dd - 1) * 1440, dd * 1440)) h
                                ON h.dow = extract(isodow FROM d.d)::int
                             WHERE NOT (d.d::date = ANY (c.holidays))
                            OFFSET 0) z
                    OFFSET 0) w) x
             WHERE x.e > x.s) y;
END
$$;
SELECT ccrm_set_execute('ccrm_calendar_build(bigint)');

-- AFTER INSERT, UPDATE or DELETE on calendars: spans again (or none), and the running clocks on
-- it recomputed
CREATE OR REPLACE FUNCTION ccrm_calendar_sync() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM calendar_spans s WHERE s.calendar_id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.time_zone IS NOT DISTINCT FROM OLD.time_zone
       AND NEW.hours IS NOT DISTINCT FROM OLD.hours
       AND NEW.holidays IS NOT DISTINCT FROM OLD.holidays THEN
        RETURN NULL;
    END IF;
    PERFORM ccrm_calendar_build(NEW.id);
    IF TG_OP = 'UPDATE' THEN
        v_ids := ARRAY(SELECT k.id FROM sla_clocks k
                         JOIN sla_policies p ON p.id = k.policy_id
                        WHERE p.calendar_id = NEW.id AND k.met_at IS NULL);
        PERFORM ccrm_sla_recompute(v_ids);
        -- the due times moved, each by the business time of its own stretch: a clock due
        -- later than another of its ticket may now be due first (a resolution clock running
        -- since before new holidays), so which clock decides the time left is asked again (111)
        PERFORM ccrm_sla_current(ARRAY(SELECT DISTINCT k.ticket_id FROM sla_clocks k
                                        WHERE k.id = ANY (v_ids)));
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_calendar_sync()');

-- Business time of calendar p_cal from 2020-01-01 up to p_at, in microseconds. (plpgsql, not
-- sql: its plan is cached for the session; a non-inlined SQL function is planned at every
-- statement that calls it, which cost 0.2 ms a call here.)
CREATE OR REPLACE FUNCTION ccrm_business_us(p_cal bigint, p_at timestamptz) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    v bigint;
BEGIN
    SELECT s.before_us + (extract(epoch FROM least(p_at, s.ends) - s.starts) * 1000000)::bigint
      INTO v
      FROM public.calendar_spans s
     WHERE s.calendar_id = p_cal AND s.starts <= p_at
     ORDER BY s.starts DESC LIMIT 1;
    RETURN coalesce(v, 0);
END
$$;

-- Business minutes of calendar p_cal between two instants (negative when p_to < p_from).
CREATE OR REPLACE FUNCTION ccrm_business_minutes(p_cal bigint, p_from timestamptz,
                                                 p_to timestamptz)
RETURNS numeric
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    RETURN (public.ccrm_business_us(p_cal, p_to) - public.ccrm_business_us(p_cal, p_from))
           / 60000000.0;
END
$$;

-- The instants at which each of p_minutes business minutes of calendar p_cal have passed
-- after p_at (before it, for negative minutes; p_at itself for 0), with each one's position in
-- p_minutes (ord). A target ending exactly at a closing time is that closing time. NULL outside
-- the calendar's horizon (2020 to 2069), and for a NULL p_at or minutes. Plain SQL the planner
-- inlines into its caller: a new ticket's four due and warning times are one walk to p_at's
-- span and four look-ups in the statement that starts its clocks (ccrm_sla_start), not four
-- calls of two statements each.
CREATE OR REPLACE FUNCTION ccrm_business_adds(p_cal bigint, p_at timestamptz, p_minutes numeric[])
RETURNS TABLE (ord bigint, at timestamptz)
LANGUAGE sql STABLE
AS $$
    SELECT m.ord,
           CASE WHEN p_at IS NULL OR m.minutes IS NULL THEN NULL
                WHEN m.minutes = 0 THEN p_at
                WHEN m.target - s.before_us
                     <= (extract(epoch FROM s.ends - s.starts) * 1000000)::bigint
                THEN s.starts + (m.target - s.before_us) * interval '1 microsecond' END
      FROM (SELECT u.ord, u.minutes, b.us + round(u.minutes * 60000000)::bigint AS target
              FROM (SELECT public.ccrm_business_us(p_cal, p_at) AS us OFFSET 0) b,
                   unnest(p_minutes) WITH ORDINALITY u(minutes, ord)
            OFFSET 0) m  -- (OFFSET 0: the walk to p_at once, each target computed once)
      LEFT JOIN LATERAL (SELECT x.starts, x.ends, x.before_us FROM public.calendar_spans x
                          WHERE x.calendar_id = p_cal AND x.before_us < m.target
                          ORDER BY x.before_us DESC LIMIT 1) s ON true
$$;

-- The same for one number of minutes.
CREATE OR REPLACE FUNCTION ccrm_business_add(p_cal bigint, p_at timestamptz, p_minutes numeric)
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    v timestamptz;
BEGIN
    SELECT b.at INTO v FROM public.ccrm_business_adds(p_cal, p_at, ARRAY[p_minutes]) b;
    RETURN v;
END
$$;

-- =======================================================================================
-- SLA policies and clocks
-- =======================================================================================

CREATE OR REPLACE FUNCTION ccrm_sla_policy_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.queues := ARRAY(SELECT DISTINCT lower(btrim(q)) FROM unnest(NEW.queues) q ORDER BY 1);
    NEW.tiers := ARRAY(SELECT DISTINCT lower(btrim(q)) FROM unnest(NEW.tiers) q ORDER BY 1);
    NEW.queues := nullif(NEW.queues, '{}');
    NEW.tiers := nullif(NEW.tiers, '{}');
    IF NEW.first_response_min IS NULL AND NEW.next_response_min IS NULL
       AND NEW.resolution_min IS NULL THEN
        RAISE EXCEPTION 'an SLA policy needs at least one target'
            USING ERRCODE = '22023',
                  HINT = 'Set first_response_min, next_response_min or resolution_min.';
    END IF;
    -- a target beyond a year of minutes is a slip (2147483647), and its clock would never be
    -- due: no warning, no breach, a blank "Left"
    IF greatest(NEW.first_response_min, NEW.next_response_min, NEW.resolution_min) > 525600 THEN
        RAISE EXCEPTION 'an SLA target of % minutes is more than a year',
                        greatest(NEW.first_response_min, NEW.next_response_min,
                                 NEW.resolution_min)
            USING ERRCODE = '22023', HINT = 'A target is at most 525600 minutes.';
    END IF;
    IF NEW.escalate_to IS NOT NULL AND NOT ccrm_is_staff(NEW.escalate_to) THEN
        RAISE EXCEPTION 'no active internal user "%" to escalate to', NEW.escalate_to
            USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_sla_policy_check()');

-- The policy of a ticket with these attributes: the first active one, by position.
CREATE OR REPLACE FUNCTION ccrm_sla_policy_for(p_queue text, p_priority text, p_tier text)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN (SELECT p.id FROM public.sla_policies p
             WHERE p.active
               AND (p.queues IS NULL OR lower(p_queue) = ANY (p.queues))
               AND (p.priorities IS NULL OR p_priority = ANY (p.priorities))
               AND (p.tiers IS NULL OR lower(p_tier) = ANY (p.tiers))
             ORDER BY p.position, p.id
             LIMIT 1);
END
$$;

-- The target of a kind under a policy
CREATE OR REPLACE FUNCTION ccrm_sla_target(p_policy bigint, p_kind text) RETURNS int
LANGUAGE sql STABLE
AS $$
    SELECT CASE p_kind WHEN 'first_response' THEN p.first_response_min
                       WHEN 'next_response' THEN p.next_response_min
                       ELSE p.resolution_min END
      FROM public.sla_policies p WHERE p.id = p_policy
$$;

-- (ccrm_sla_recompute, ccrm_sla_current and ccrm_sla_stop are plpgsql, not sql: a sql function
-- called from plpgsql is parsed and planned again in every transaction.)
-- Recompute due_at and warn_at of these clocks from their state (running clocks only; a
-- paused one has neither), after a start, a resume or a change of policy or calendar. An
-- unmet clock whose due time moves into the future again (a target raised, a calendar
-- widened) is no longer breached, nor warned when its warning time is ahead: it breaches and
-- warns again, once, if that time passes too (the notices sent stay in the inboxes).
CREATE OR REPLACE FUNCTION ccrm_sla_recompute(p_clocks bigint[]) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE public.sla_clocks k
       SET due_at = CASE WHEN k.running_since IS NOT NULL THEN
                        public.ccrm_business_add(p.calendar_id, k.running_since,
                                                 k.target_min - k.used_us / 60000000.0) END,
           warn_at = CASE WHEN k.running_since IS NOT NULL THEN
                        public.ccrm_business_add(p.calendar_id, k.running_since,
                                                 greatest(k.target_min - p.warn_before_min
                                                          - k.used_us / 60000000.0, 0)) END
      FROM public.sla_policies p
     WHERE k.id = ANY (p_clocks) AND p.id = k.policy_id;
    UPDATE public.sla_clocks k
       SET breached_at = CASE WHEN k.due_at > now() THEN NULL ELSE k.breached_at END,
           breach_notified_at = CASE WHEN k.due_at > now() THEN NULL
                                     ELSE k.breach_notified_at END,
           warned_at = CASE WHEN k.warn_at > now() THEN NULL ELSE k.warned_at END
     WHERE k.id = ANY (p_clocks) AND k.met_at IS NULL AND k.running_since IS NOT NULL
       AND ((k.breached_at IS NOT NULL AND k.due_at > now())
            OR (k.warned_at IS NOT NULL AND k.warn_at > now()));
END
$$;

-- Mark each ticket's clock that decides its time left: the unmet one due first (paused ones
-- after the running ones); none when all are met.
CREATE OR REPLACE FUNCTION ccrm_sla_current(p_tickets bigint[]) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE public.sla_clocks k SET current = v.want
      FROM (SELECT x.id,
                   x.met_at IS NULL
                   AND x.id = first_value(x.id) OVER (
                       PARTITION BY x.ticket_id
                       ORDER BY x.met_at IS NOT NULL, coalesce(x.due_at, 'infinity'), x.id)
                   AS want
              FROM public.sla_clocks x WHERE x.ticket_id = ANY (p_tickets)) v
     WHERE k.id = v.id AND k.current IS DISTINCT FROM v.want;
END
$$;

-- Stop the running clocks among p_clocks at p_at: their used time grows; meet them (met_at)
-- when p_meet, else they pause. A clock met after its due time is breached at its due time
-- (the scheduler then announces it, if it has not yet).
CREATE OR REPLACE FUNCTION ccrm_sla_stop(p_clocks bigint[], p_at timestamptz, p_meet boolean)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE public.sla_clocks k
       SET used_us = k.used_us + CASE WHEN k.running_since IS NOT NULL THEN
                         public.ccrm_business_us(p.calendar_id, p_at)
                         - public.ccrm_business_us(p.calendar_id, k.running_since) ELSE 0 END,
           breached_at = CASE WHEN k.breached_at IS NULL AND k.running_since IS NOT NULL
                                   AND k.due_at < p_at THEN k.due_at ELSE k.breached_at END,
           met_at = CASE WHEN p_meet THEN p_at ELSE k.met_at END,
           running_since = NULL,
           due_at = CASE WHEN p_meet THEN k.due_at END,
           warn_at = NULL
      FROM public.sla_policies p
     WHERE k.id = ANY (p_clocks) AND p.id = k.policy_id AND k.met_at IS NULL;
END
$$;

-- Run the clocks among p_clocks from p_at (unmet ones; a met one is run again only when
-- p_reopen, which clears its met_at: a reopened ticket's resolution clock goes on from the time
-- it had used).
CREATE OR REPLACE FUNCTION ccrm_sla_run(p_clocks bigint[], p_at timestamptz, p_reopen boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE sla_clocks k
       SET running_since = p_at, met_at = NULL
     WHERE k.id = ANY (p_clocks) AND k.running_since IS NULL
       AND (k.met_at IS NULL OR p_reopen);
    PERFORM ccrm_sla_recompute(p_clocks);
END
$$;

-- Make the unmet clocks among p_clocks follow their ticket's status under their own policy, at
-- p_at: a running one pauses when the ticket's status is one of the policy's pause_statuses, a
-- paused one runs again when it is not (and the ticket is not solved or closed). The one place
-- clocks pause and resume, whatever moved (a ticket's status or policy: ccrm_sla_ticket; a
-- policy's pause statuses: ccrm_sla_policy_sync), so the time used and left is always
-- ccrm_sla_stop's and ccrm_sla_run's. Three statements however many clocks (a policy may have
-- thousands). Returns the tickets whose clocks moved (marking their current clock is the
-- caller's).
CREATE OR REPLACE FUNCTION ccrm_sla_follow(p_clocks bigint[], p_at timestamptz)
RETURNS bigint[]
LANGUAGE plpgsql
AS $$
DECLARE
    v_stop    bigint[];
    v_run     bigint[];
    v_tickets bigint[];
BEGIN
    SELECT array_agg(x.id) FILTER (WHERE x.running_since IS NOT NULL),
           array_agg(x.id) FILTER (WHERE x.running_since IS NULL),
           array_agg(DISTINCT x.ticket_id)
      INTO v_stop, v_run, v_tickets
      FROM public.sla_clocks x
      JOIN public.sla_policies p ON p.id = x.policy_id
      JOIN public.tickets t ON t.id = x.ticket_id
     WHERE x.id = ANY (p_clocks) AND x.met_at IS NULL AND t.status NOT IN ('solved', 'closed')
       AND (x.running_since IS NOT NULL) = (t.status = ANY (p.pause_statuses));
    IF v_stop IS NOT NULL THEN
        PERFORM public.ccrm_sla_stop(v_stop, p_at, false);
    END IF;
    IF v_run IS NOT NULL THEN
        PERFORM public.ccrm_sla_run(v_run, p_at, false);
    END IF;
    RETURN coalesce(v_tickets, '{}');
END
$$;

-- The events of the tickets in p_tickets whose SLA clocks moved with no event that names them:
-- an answer or a question logged (ccrm_sla_interaction), an answer by mail sent
-- (ccrm_sla_mail_sent), a breach marked by the scheduler (ccrm_tick). The clocks' other moves
-- come with the event of the row that moved them (the ticket's, a policy's, a calendar's). A
-- client's lists that show the clocks (the Tickets' time left, their breached filter) re-read
-- for it only when the ticket can show in their window, so the event names the ticket:
-- entity 'sla_clocks', entity_id the ticket's id (one event a ticket however many of its
-- clocks moved; p_what says how). Filed under no account, so that no partner reads it (the
-- clocks are not a partner's business, schema/019); bookkeeping that the Feed does not list
-- and no client toasts (ENTITY_BOOKKEEPING_SQL). As ccrm_log_changes: one event a ticket up to
-- 20, else one 'bulk' event with the count; not audited (the clocks never are).
CREATE OR REPLACE FUNCTION ccrm_sla_event(p_tickets bigint[], p_what text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_actor text;
    v_n     int;
BEGIN
    SELECT count(DISTINCT t) INTO v_n FROM unnest(p_tickets) t;
    IF v_n = 0 THEN
        RETURN;
    END IF;
    v_actor := public.ccrm_person();
    IF v_n > 20 THEN
        INSERT INTO public.events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, (SELECT u.department FROM public.users u WHERE u.login = v_actor),
                'sla_clocks', 'bulk', format('SLA clocks of %s tickets: %s', v_n, p_what), v_n);
    ELSE
        INSERT INTO public.events (actor, department, entity, entity_id, op, summary, changed)
        SELECT v_actor, (SELECT u.department FROM public.users u WHERE u.login = v_actor),
               'sla_clocks', x.t, 'update', format('SLA clocks of ticket #%s: %s', x.t, p_what),
               ARRAY['sla']
          FROM (SELECT DISTINCT t FROM unnest(p_tickets) t) x
         ORDER BY x.t;
    END IF;
    PERFORM pg_notify('ccrm', '');
END
$$;
SELECT ccrm_set_execute('ccrm_sla_event(bigint[],text)');

-- AFTER INSERT on tickets (statement): the clocks of every new ticket a policy covers. A
-- ticket inserted solved or closed gets none; one inserted in a pausing status starts paused.
-- Nor does a ticket of a mail history import (ccrm_mail_store_many, not live): a year-old
-- conversation is due nothing today. Such a ticket is the only one that comes with a
-- created_at before now() while ccrm.mail_history is on: ccrm_stamp keeps a given created_at
-- only for the schema's owner (ccrm_mail_history), and an unmerge's or a revert's restored
-- rows are told apart by ccrm_restoring(). Anyone may set the setting; their own tickets get
-- created_at = now() all the same, and their clocks.
CREATE OR REPLACE FUNCTION ccrm_sla_start() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_history boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM sla_policies p WHERE p.active) THEN
        RETURN NULL;
    END IF;
    v_history := current_setting('ccrm.mail_history', true) = 'on' AND NOT ccrm_restoring();
    -- one statement: the clocks with their due and warning times, and the one that decides
    -- the time left (the earlier due; a paused ticket's first). A running ticket's four
    -- instants are computed together (one walk to now's span: ccrm_business_adds). The
    -- statement has no parameter (now(), not a variable), so its plan is made once a session
    -- and not five times first; each ticket's policy is chosen once (OFFSET 0).
    INSERT INTO sla_clocks (ticket_id, policy_id, kind, target_min, started_at, running_since,
                            due_at, warn_at, current)
    SELECT c.id, c.pid, c.kind, c.target, now(), c.since, c.due, c.warn,
           row_number() OVER (PARTITION BY c.id
                              ORDER BY coalesce(c.due, 'infinity'), c.kind) = 1
      FROM (SELECT t.id, p.id AS pid, k.kind, k.target, d.since, k.due, k.warn
              FROM new_rows t
             CROSS JOIN LATERAL (SELECT ccrm_sla_policy_for(t.queue, t.priority,
                                        (SELECT a.tier FROM accounts a WHERE a.id = t.account_id))
                                        AS pid
                                 OFFSET 0) pp
              JOIN sla_policies p ON p.id = pp.pid
             CROSS JOIN LATERAL (SELECT r.since,
                                        (SELECT array_agg(b.at ORDER BY b.ord)
                                           FROM ccrm_business_adds(p.calendar_id, now(),
                                                ARRAY[p.first_response_min,
                                                      greatest(p.first_response_min
                                                               - p.warn_before_min, 0),
                                                      p.resolution_min,
                                                      greatest(p.resolution_min
                                                               - p.warn_before_min, 0)]) b
                                          WHERE r.since IS NOT NULL) AS at
                                   FROM (SELECT CASE WHEN t.status = ANY (p.pause_statuses)
                                                     THEN NULL ELSE now() END AS since) r
                                 OFFSET 0) d
             CROSS JOIN LATERAL (VALUES ('first_response', p.first_response_min, d.at[1], d.at[2]),
                                        ('resolution', p.resolution_min, d.at[3], d.at[4]))
                                 k(kind, target, due, warn)
             WHERE k.target IS NOT NULL AND t.status NOT IN ('solved', 'closed')
               AND NOT (v_history AND t.created_at < now())) c;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_sla_start()');

-- The unmet clocks of ticket p_ticket under the policy its queue, priority and account (its
-- tier) choose now: they take its targets and their due times are computed again (a clock of
-- a kind the policy has no target for stays as it was; no policy at all: they all do). Returns
-- how many moved (none when the same policy still applies: their times stand as they are);
-- pausing or running them as the status says under the new policy's pause statuses
-- (ccrm_sla_follow) and marking the current clock are the caller's. A ticket's own change
-- (ccrm_sla_ticket) and its account's new tier (ccrm_sla_account_tier) ask it.
CREATE OR REPLACE FUNCTION ccrm_sla_repolicy(p_ticket bigint, p_queue text, p_priority text,
                                             p_account bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_policy bigint;
    v_n      bigint := 0;
BEGIN
    v_policy := public.ccrm_sla_policy_for(p_queue, p_priority,
                                           (SELECT a.tier FROM public.accounts a
                                             WHERE a.id = p_account));
    IF v_policy IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE public.sla_clocks x
       SET policy_id = v_policy, target_min = public.ccrm_sla_target(v_policy, x.kind)
     WHERE x.ticket_id = p_ticket AND x.met_at IS NULL AND x.policy_id <> v_policy
       AND public.ccrm_sla_target(v_policy, x.kind) IS NOT NULL;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n > 0 THEN
        PERFORM public.ccrm_sla_recompute(ARRAY(SELECT x.id FROM public.sla_clocks x
                                                 WHERE x.ticket_id = p_ticket
                                                   AND x.met_at IS NULL));
    END IF;
    RETURN v_n;
END
$$;

-- AFTER UPDATE of status, priority, queue or account on a ticket (row):
--   solved/closed: every unmet clock is met;
--   reopened (from solved/closed): the resolution clock runs on from the time it had used;
--   into a pausing status of its policy: running clocks pause; out of it: they run again;
--   another policy applies (priority, queue, tier): unmet clocks take its targets, and pause or
--   run as the status says under its pause statuses (ccrm_sla_follow).
CREATE OR REPLACE FUNCTION ccrm_sla_ticket() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_now    timestamptz := now();
    v_done   constant text[] := ARRAY['solved', 'closed'];
    v_n      bigint := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM sla_clocks x WHERE x.ticket_id = NEW.id) THEN
        RETURN NULL;
    END IF;
    IF OLD.status = ANY (v_done) AND NOT NEW.status = ANY (v_done) THEN
        -- reopened: the resolution clock goes on from the time it had used; first, so that a
        -- new policy in the same statement (reopened as urgent) moves it too (091)
        UPDATE sla_clocks x SET met_at = NULL, due_at = NULL, warn_at = NULL
         WHERE x.ticket_id = NEW.id AND x.kind = 'resolution';
    END IF;
    -- another policy
    IF OLD.priority IS DISTINCT FROM NEW.priority OR OLD.queue IS DISTINCT FROM NEW.queue
       OR OLD.account_id IS DISTINCT FROM NEW.account_id THEN
        v_n := ccrm_sla_repolicy(NEW.id, NEW.queue, NEW.priority, NEW.account_id);
    END IF;
    IF OLD.status IS DISTINCT FROM NEW.status AND NEW.status = ANY (v_done)
       AND NOT OLD.status = ANY (v_done) THEN
        PERFORM ccrm_sla_stop(ARRAY(SELECT x.id FROM sla_clocks x
                                     WHERE x.ticket_id = NEW.id AND x.met_at IS NULL),
                              v_now, true);
    ELSIF NOT NEW.status = ANY (v_done) AND (OLD.status IS DISTINCT FROM NEW.status OR v_n > 0) THEN
        -- a new status, or a new policy whose pause statuses differ from the old one's (the
        -- status stayed, but it may pause or run the clocks now): they pause or run as the
        -- status says under their policy
        PERFORM ccrm_sla_follow(ARRAY(SELECT x.id FROM sla_clocks x
                                       WHERE x.ticket_id = NEW.id AND x.met_at IS NULL),
                                v_now);
    END IF;
    -- which clock decides the time left: only a clock that moved can change it
    IF v_n > 0 OR OLD.status IS DISTINCT FROM NEW.status THEN
        PERFORM ccrm_sla_current(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_sla_ticket()');

-- AFTER UPDATE OF tier on accounts (row, when the tier changed): the open tickets of the
-- account follow the policy the new tier chooses, as a ticket moved to another account does
-- (ccrm_sla_ticket): an account raised to enterprise has its waiting tickets answered in the
-- enterprise time, not only those opened after (111). The tickets' rows do not change, so each
-- moved ticket gets an event of its clocks (ccrm_sla_event): the Tickets list re-reads its time
-- left. SECURITY DEFINER: sales keep the tiers and may not write clocks.
CREATE OR REPLACE FUNCTION ccrm_sla_account_tier() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    t         record;
    v_tickets bigint[] := '{}';
BEGIN
    FOR t IN SELECT k.id, k.queue, k.priority
               FROM tickets k
              WHERE k.account_id = NEW.id AND k.status NOT IN ('solved', 'closed')
                AND EXISTS (SELECT 1 FROM sla_clocks x
                             WHERE x.ticket_id = k.id AND x.met_at IS NULL)
              ORDER BY k.id LOOP
        IF ccrm_sla_repolicy(t.id, t.queue, t.priority, NEW.id) > 0 THEN
            PERFORM ccrm_sla_follow(ARRAY(SELECT x.id FROM sla_clocks x
                                           WHERE x.ticket_id = t.id AND x.met_at IS NULL),
                                    now());
            v_tickets := v_tickets || t.id;
        END IF;
    END LOOP;
    IF cardinality(v_tickets) > 0 THEN
        PERFORM ccrm_sla_current(v_tickets);
        PERFORM ccrm_sla_event(v_tickets, format('moved by the account''s tier (%s)',
                                                 coalesce(NEW.tier, 'none')));
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_sla_account_tier()');

-- AFTER INSERT on interactions (statement): on a ticket, an outgoing interaction (direction
-- 'out': our answer) meets its open first and next response clocks; an incoming one (the
-- customer writes again) starts a next response clock when the first response has been given
-- and none is open. A response counts when it is recorded (now), whatever its `at` says; an
-- answer by mail (ccrm_mail_reply, which marks its insert with ccrm.mail_reply) counts when
-- sendmail has taken it (ccrm_sla_mail_sent): one that never left reached nobody.
-- The customer asked (at p_at): a next-response clock on the ticket, from then, unless a
-- response clock is open already, the ticket's policy has no next-response target or the
-- ticket is solved or closed. True when one was started (ccrm_sla_current is the caller's).
CREATE OR REPLACE FUNCTION ccrm_sla_next_response(p_ticket bigint, p_at timestamptz)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    t    record;
    v_id bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM public.sla_clocks x
                WHERE x.ticket_id = p_ticket AND x.met_at IS NULL
                  AND x.kind IN ('first_response', 'next_response')) THEN
        RETURN false;
    END IF;
    -- the policy the ticket is under now (its priority, queue and tier), not its first
    -- clock's: a ticket raised to urgent after its first response answers the next question
    -- in the urgent time (091)
    SELECT tk.status, p.id AS policy, p.next_response_min, p.pause_statuses INTO t
      FROM public.tickets tk
      JOIN public.sla_policies p
        ON p.id = public.ccrm_sla_policy_for(tk.queue, tk.priority,
                                             (SELECT a.tier FROM public.accounts a
                                               WHERE a.id = tk.account_id))
     WHERE tk.id = p_ticket
       AND EXISTS (SELECT 1 FROM public.sla_clocks f WHERE f.ticket_id = tk.id);
    IF NOT FOUND OR t.next_response_min IS NULL OR t.status IN ('solved', 'closed') THEN
        RETURN false;
    END IF;
    -- two questions at once (a call logged while a mail comes in): both saw no open clock;
    -- the second waits for the first's and then starts none, rather than failing on the
    -- one-open-clock-a-kind key and losing its mail or call (111)
    INSERT INTO public.sla_clocks (ticket_id, policy_id, kind, target_min, started_at,
                                   running_since)
    VALUES (p_ticket, t.policy, 'next_response', t.next_response_min, p_at,
            CASE WHEN t.status = ANY (t.pause_statuses) THEN NULL ELSE p_at END)
    ON CONFLICT (ticket_id, kind) WHERE met_at IS NULL DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN false;
    END IF;
    PERFORM public.ccrm_sla_recompute(ARRAY[v_id]);
    RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION ccrm_sla_interaction() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now     timestamptz := now();
    r         record;
    v_tickets bigint[] := '{}';
BEGIN
    -- row by row, in order (an answer then a new question on one ticket stops the response
    -- clock, then starts the next one); which clock is current is marked once at the end, for
    -- the tickets whose clocks changed (a question while one waits for an answer changes
    -- nothing: a mail import of thousands new tickets marks none, not one per mail)
    -- a partner's interactions move no clock: the service levels are the company's own
    -- commitments (docs/security.md), so a reseller's call neither answers nor opens them; nor
    -- do notes and tasks, which are written to ourselves, not to the customer
    FOR r IN SELECT n.ticket_id, n.direction FROM new_rows n
              WHERE n.ticket_id IS NOT NULL AND n.direction IN ('in', 'out')
                AND n.kind NOT IN ('note', 'task')
                AND (n.direction = 'in'
                     OR current_setting('ccrm.mail_reply', true) IS DISTINCT FROM 'on')
                AND EXISTS (SELECT 1 FROM sla_clocks x WHERE x.ticket_id = n.ticket_id)
                AND NOT EXISTS (SELECT 1 FROM users u
                                 WHERE u.login = n.created_by AND u.partner_org_id IS NOT NULL)
              ORDER BY n.id LOOP
        IF r.direction = 'out' THEN
            PERFORM ccrm_sla_stop(ARRAY(SELECT x.id FROM sla_clocks x
                                         WHERE x.ticket_id = r.ticket_id AND x.met_at IS NULL
                                           AND x.kind IN ('first_response', 'next_response')),
                                  v_now, true);
            v_tickets := v_tickets || r.ticket_id;
        ELSIF ccrm_sla_next_response(r.ticket_id, v_now) THEN
            v_tickets := v_tickets || r.ticket_id;
        END IF;
    END LOOP;
    IF cardinality(v_tickets) > 0 THEN
        v_tickets := ARRAY(SELECT DISTINCT u FROM unnest(v_tickets) u);
        PERFORM ccrm_sla_current(v_tickets);
        PERFORM ccrm_sla_event(v_tickets, 'moved by an answer or a question');
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_sla_interaction()');

-- AFTER UPDATE OF status on messages, when an answer by mail is sent: it meets the ticket's
-- response clocks that were running when it was written (a question the customer asked after
-- it waits for the next answer), at the moment sendmail took it. While it waits in the outbox,
-- fails and is retried, the clocks run on. A partner's mail moves no clock
-- (ccrm_sla_interaction).
CREATE OR REPLACE FUNCTION ccrm_sla_mail_sent() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_asked timestamptz;
    v_met   bigint[];
    v_moved boolean := false;
BEGIN
    IF EXISTS (SELECT 1 FROM users u
                WHERE u.login = NEW.created_by AND u.partner_org_id IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    -- (met now, the server's time: not a sent_at someone wrote)
    v_met := ARRAY(SELECT x.id FROM sla_clocks x
                    WHERE x.ticket_id = NEW.ticket_id AND x.met_at IS NULL
                      AND x.kind IN ('first_response', 'next_response')
                      AND x.started_at <= NEW.received_at);
    PERFORM ccrm_sla_stop(v_met, now(), true);
    -- a question the customer asked while it waited in the outbox started no clock then (one
    -- was open): it waits for the next answer from when it came
    SELECT min(i.created_at) INTO v_asked
      FROM interactions i
     WHERE i.ticket_id = NEW.ticket_id AND i.direction = 'in' AND i.kind NOT IN ('note', 'task')
       AND i.created_at > NEW.received_at
       AND NOT EXISTS (SELECT 1 FROM users u
                        WHERE u.login = i.created_by AND u.partner_org_id IS NOT NULL);
    IF v_asked IS NOT NULL THEN
        v_moved := ccrm_sla_next_response(NEW.ticket_id, v_asked);
    END IF;
    PERFORM ccrm_sla_current(ARRAY[NEW.ticket_id]);
    -- (an answer whose clocks a call met already moves none)
    IF cardinality(v_met) > 0 OR v_moved THEN
        PERFORM ccrm_sla_event(ARRAY[NEW.ticket_id], 'met by the answer sent');
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_sla_mail_sent()');

-- AFTER UPDATE on sla_policies: the unmet clocks under it take its targets and calendar, and
-- pause or run as their ticket's status says under its pause statuses.
CREATE OR REPLACE FUNCTION ccrm_sla_policy_sync() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_ids     bigint[];
    v_times   boolean;
    v_pause   boolean;
    v_tickets bigint[];
    v_moved   bigint[];
BEGIN
    v_times := NEW.calendar_id IS DISTINCT FROM OLD.calendar_id
               OR NEW.first_response_min IS DISTINCT FROM OLD.first_response_min
               OR NEW.next_response_min IS DISTINCT FROM OLD.next_response_min
               OR NEW.resolution_min IS DISTINCT FROM OLD.resolution_min
               OR NEW.warn_before_min IS DISTINCT FROM OLD.warn_before_min;
    -- (compared as sets: the same statuses in another order pause the same clocks)
    v_pause := NOT (NEW.pause_statuses @> OLD.pause_statuses
                    AND NEW.pause_statuses <@ OLD.pause_statuses);
    IF NOT v_times AND NOT v_pause THEN
        RETURN NULL;
    END IF;
    v_ids := ARRAY(SELECT x.id FROM sla_clocks x WHERE x.policy_id = NEW.id AND x.met_at IS NULL);
    IF v_times THEN
        UPDATE sla_clocks x SET target_min = ccrm_sla_target(NEW.id, x.kind)
         WHERE x.policy_id = NEW.id AND x.met_at IS NULL
           AND ccrm_sla_target(NEW.id, x.kind) IS NOT NULL;
        PERFORM ccrm_sla_recompute(v_ids);
        v_tickets := ARRAY(SELECT DISTINCT x.ticket_id FROM sla_clocks x WHERE x.id = ANY (v_ids));
    END IF;
    -- after the new times: a clock paused now that is past its new due time is breached at it
    IF v_pause THEN
        v_moved := ccrm_sla_follow(v_ids, now());
    END IF;
    -- which clock decides the time left: the moved tickets' (all of them when the times moved)
    PERFORM ccrm_sla_current(coalesce(v_tickets, v_moved));
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_sla_policy_sync()');

-- One page of the Tickets list by time left (the earliest unmet SLA target first; tickets
-- whose clocks are all paused after those, tickets without a running SLA not at all), after
-- the key (p_after_due, p_after_id) (NULLs: from the start). p_breached: only tickets whose
-- deciding clock is breached, by its times as sla_compliance counts it (schema/073): past its
-- due time, or marked by the scheduler (a clock paused after its due time has no due time,
-- only the mark), whether or not --tick has run. Keyset on sla_clocks_time_left_idx: the
-- breached are its range up to now, then the marked ones past now (the paused) on
-- sla_clocks_breached_idx; each range gives at most a page, in order, and the two pages are
-- merged in order (no sort). A page costs the same at row 10 and at row 1,000,000. The list
-- view joins its columns to these ids (docs/architecture.md).
CREATE OR REPLACE FUNCTION ccrm_sla_time_left_page(p_after_due timestamptz, p_after_id bigint,
                                                   p_limit int, p_breached boolean DEFAULT false)
RETURNS TABLE (ticket_id bigint, due_at timestamptz, kind text, breached boolean, paused boolean)
LANGUAGE sql STABLE
AS $$
    SELECT k.ticket_id, k.due_at, k.kind,
           k.breached_at IS NOT NULL OR coalesce(k.due_at <= now(), false), k.running_since IS NULL
      FROM ((SELECT coalesce(x.due_at, 'infinity') AS left_key, x.ticket_id, x.due_at, x.kind,
                    x.breached_at, x.running_since
               FROM public.sla_clocks x
              WHERE x.current AND (NOT p_breached OR coalesce(x.due_at, 'infinity') <= now())
                AND (p_after_id IS NULL
                     OR (coalesce(x.due_at, 'infinity'), x.ticket_id)
                        > (coalesce(p_after_due, 'infinity'), p_after_id))
              ORDER BY coalesce(x.due_at, 'infinity'), x.ticket_id
              LIMIT p_limit)
            UNION ALL
            (SELECT coalesce(x.due_at, 'infinity'), x.ticket_id, x.due_at, x.kind, x.breached_at,
                    x.running_since
               FROM public.sla_clocks x
              WHERE p_breached AND x.current AND x.breached_at IS NOT NULL
                AND coalesce(x.due_at, 'infinity') > now()
                AND (p_after_id IS NULL
                     OR (coalesce(x.due_at, 'infinity'), x.ticket_id)
                        > (coalesce(p_after_due, 'infinity'), p_after_id))
              ORDER BY coalesce(x.due_at, 'infinity'), x.ticket_id
              LIMIT p_limit)) k
     ORDER BY k.left_key, k.ticket_id
     LIMIT p_limit
$$;

-- A ticket's SLA clocks in one line for its detail: "first response met 12-03 09:12 ·
-- resolution due 12-04 14:30" (next responses: the open one only), '' without clocks. A
-- partner may not read the clocks (019): '' too, rather than an error in the detail's query.
CREATE OR REPLACE FUNCTION ccrm_ticket_sla(p_ticket bigint) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF NOT has_table_privilege('public.sla_clocks', 'SELECT') THEN
        RETURN '';
    END IF;
    RETURN coalesce((
        SELECT string_agg(replace(s.kind, '_', ' ') || ' ' || CASE
                   -- met after it was breached (or after its due time, before any --tick
                   -- marked it): late, as the Dashboard counts it, not "met"
                   WHEN s.met_at IS NOT NULL AND (s.breached_at IS NOT NULL OR s.met_at > s.due_at)
                   THEN 'met late ' || to_char(ccrm_local(s.met_at), 'MM-DD HH24:MI') || ' (due '
                        || to_char(ccrm_local(coalesce(s.due_at, s.breached_at)), 'MM-DD HH24:MI')
                        || ')'
                   WHEN s.met_at IS NOT NULL THEN 'met ' || to_char(ccrm_local(s.met_at), 'MM-DD HH24:MI')
                   -- open past its due time, marked by --tick or not yet (sla_compliance,
                   -- schema/073): breached at its due time, as the scheduler marks it
                   WHEN s.breached_at IS NOT NULL OR s.due_at <= now()
                   THEN 'breached '
                        || to_char(ccrm_local(coalesce(s.breached_at, s.due_at)), 'MM-DD HH24:MI')
                   WHEN s.running_since IS NULL THEN 'paused'
                   ELSE 'due ' || to_char(ccrm_local(s.due_at), 'MM-DD HH24:MI') END,
                   ' · ' ORDER BY s.started_at, s.id)
          FROM public.sla_clocks s
         WHERE s.ticket_id = p_ticket AND (s.kind <> 'next_response' OR s.met_at IS NULL)), '');
END
$$;

-- =======================================================================================
-- Tasks and the agenda
-- =======================================================================================

-- interactions.owner: an active user; a partner only for its own tasks
CREATE OR REPLACE FUNCTION ccrm_task_owner_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.owner IS NOT DISTINCT FROM OLD.owner THEN
        RETURN NEW;
    END IF;
    IF NOT ccrm_is_staff(NEW.owner) AND NEW.owner IS DISTINCT FROM ccrm_actor() THEN
        RAISE EXCEPTION 'no active internal user "%" to own the task', NEW.owner
            USING ERRCODE = '22023', HINT = 'Partners are never given internal work.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_task_owner_check()');

-- May p_login own a record (be its owner, a ticket's assignee)? An active internal user, or
-- the writer themselves (as a task's owner may be). ccrm_assign says so for hand-offs; this
-- says it for every writer (a form's Owner field, an import, psql).
CREATE OR REPLACE FUNCTION ccrm_may_own(p_login text) RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT public.ccrm_is_staff(p_login) OR p_login = public.ccrm_actor()
$$;

-- The owner a record made from another (an invoice from its quote, a lead's account) takes
-- over: the other's, while they may own it, else the person making it.
CREATE OR REPLACE FUNCTION ccrm_owner_now(p_login text) RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN p_login IS NOT NULL AND public.ccrm_may_own(p_login) THEN p_login
                ELSE public.ccrm_actor() END
$$;

-- A record's owner (TG_ARGV[0]: the column, owner or assignee) set or changed to someone who
-- may not own it is refused, with why (schema/045). The triggers fire only when the column is
-- set (WHEN): a routed insert (owner left empty, set by ccrm_route with someone available)
-- does not call this.
CREATE OR REPLACE FUNCTION ccrm_owner_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_login text;
    u       record;
BEGIN
    IF TG_ARGV[0] = 'assignee' THEN
        v_login := NEW.assignee;
    ELSE
        v_login := NEW.owner;
    END IF;
    IF v_login IS NULL OR ccrm_may_own(v_login) THEN
        RETURN NEW;
    END IF;
    -- an unmerge puts a record back as it was, with the owner it had then
    IF ccrm_restoring() THEN
        RETURN NEW;
    END IF;
    SELECT x.active, x.department INTO u FROM users x WHERE x.login = v_login;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user "%" to own the %', v_login, ccrm_entity_noun(TG_TABLE_NAME)
            USING ERRCODE = '23503', HINT = 'Name a login (:who says who is competent).';
    ELSIF NOT u.active THEN
        RAISE EXCEPTION 'user "%" is disabled: only active users own records', v_login
            USING ERRCODE = '22023';
    END IF;
    RAISE EXCEPTION 'user "%" is a partner: only internal users own records', v_login
        USING ERRCODE = '22023', HINT = 'Mention them in a comment instead.';
END
$$;
SELECT ccrm_set_execute('ccrm_owner_check()');

-- What a task hangs off, in words: "ticket #12 Login fails", "deal Acme – Pro", ...
CREATE OR REPLACE FUNCTION ccrm_task_record(p_ticket bigint, p_opp bigint, p_lead bigint,
                                            p_contact bigint, p_account bigint)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(
        (SELECT 'ticket #' || t.id || ' ' || t.subject FROM public.tickets t WHERE t.id = p_ticket),
        (SELECT 'deal #' || o.id || ' ' || o.name FROM public.opportunities o WHERE o.id = p_opp),
        (SELECT 'lead #' || l.id || ' ' || concat_ws(' ', l.first_name, l.last_name, l.company)
           FROM public.leads l WHERE l.id = p_lead),
        (SELECT 'contact #' || c.id || ' ' || concat_ws(' ', c.first_name, c.last_name)
           FROM public.contacts c WHERE c.id = p_contact),
        (SELECT 'account #' || a.id || ' ' || a.name FROM public.accounts a WHERE a.id = p_account))
$$;

-- Tasks and meetings: p_who = mine | team | all; p_when = open (not done) | overdue | today |
-- week (today and the 6 days after, open) | all. Days are the person's (their time zone).
-- Read as the caller (row-level security applies).
CREATE OR REPLACE FUNCTION ccrm_tasks(p_who text DEFAULT 'mine', p_when text DEFAULT 'open')
RETURNS TABLE (id bigint, kind text, subject text, due_at timestamptz, done_at timestamptz,
               person text, state text, record text, account_id bigint, contact_id bigint,
               lead_id bigint, opportunity_id bigint, ticket_id bigint, version int)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_me    text := current_user;
    v_tz    text := ccrm_user_tz(current_user);
    v_local timestamp := date_trunc('day', now() AT TIME ZONE ccrm_user_tz(current_user));
    v_day0  timestamptz := v_local AT TIME ZONE ccrm_user_tz(current_user);
    -- the ends of today and of the week as local days (a DST day has 23 or 25 hours)
    v_day1  timestamptz := (v_local + interval '1 day') AT TIME ZONE ccrm_user_tz(current_user);
    v_day7  timestamptz := (v_local + interval '7 days') AT TIME ZONE ccrm_user_tz(current_user);
    v_who   text[];
BEGIN
    IF p_who NOT IN ('mine', 'team', 'all') OR p_when NOT IN ('open', 'overdue', 'today', 'week', 'all') THEN
        RAISE EXCEPTION 'unknown task list %/%', p_who, p_when
            USING ERRCODE = '22023',
                  HINT = 'Whose: mine, team, all; when: open, overdue, today, week, all.';
    END IF;
    v_who := CASE p_who WHEN 'mine' THEN ARRAY[v_me]
                        WHEN 'team' THEN ARRAY(SELECT ccrm_team(v_me)) END;
    RETURN QUERY
        SELECT i.id, i.kind, i.subject, i.due_at, i.done_at, coalesce(i.owner, i.created_by),
               CASE WHEN i.done_at IS NOT NULL THEN 'done'
                    WHEN i.due_at < now() THEN 'overdue' ELSE 'open' END,
               ccrm_task_record(i.ticket_id, i.opportunity_id, i.lead_id, i.contact_id,
                                i.account_id),
               i.account_id, i.contact_id, i.lead_id, i.opportunity_id, i.ticket_id, i.version
          FROM interactions i
         WHERE i.kind IN ('task', 'meeting') AND i.due_at IS NOT NULL
           AND (v_who IS NULL OR coalesce(i.owner, i.created_by) = ANY (v_who))
           AND CASE p_when
                   WHEN 'open' THEN i.done_at IS NULL
                   WHEN 'overdue' THEN i.done_at IS NULL AND i.due_at < now()
                   WHEN 'today' THEN i.done_at IS NULL AND i.due_at < v_day1
                                     AND i.due_at >= v_day0
                   WHEN 'week' THEN i.done_at IS NULL AND i.due_at < v_day7
                                    AND i.due_at >= v_day0
                   ELSE true END
         ORDER BY i.due_at, i.id;
END
$$;

-- The agenda of the caller for p_days days from today (their time zone): the open tasks and
-- meetings due in those days, and before them every open one overdue from earlier days.
-- day: the local day; local_time: "HH:MM" there; today: the day is today.
CREATE OR REPLACE FUNCTION ccrm_agenda(p_days int DEFAULT 7)
RETURNS TABLE (day date, local_time text, kind text, id bigint, subject text, record text,
               due_at timestamptz, overdue boolean, today boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_tz    text := ccrm_user_tz(current_user);
    v_local timestamp := date_trunc('day', now() AT TIME ZONE ccrm_user_tz(current_user));
BEGIN
    IF p_days IS NULL OR p_days < 1 OR p_days > 366 THEN
        RAISE EXCEPTION 'the agenda covers 1 to 366 days, not %', p_days USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
        SELECT (i.due_at AT TIME ZONE v_tz)::date,
               to_char(i.due_at AT TIME ZONE v_tz, 'HH24:MI'), i.kind, i.id,
               coalesce(i.subject, ''),
               ccrm_task_record(i.ticket_id, i.opportunity_id, i.lead_id, i.contact_id,
                                i.account_id),
               i.due_at, i.due_at < now(),
               (i.due_at AT TIME ZONE v_tz)::date = (now() AT TIME ZONE v_tz)::date
          FROM interactions i
         WHERE coalesce(i.owner, i.created_by) = current_user
           AND i.kind IN ('task', 'meeting') AND i.due_at IS NOT NULL AND i.done_at IS NULL
           -- the end of the last local day (not 24-hour days: a DST change day has 23 or 25)
           AND i.due_at < (v_local + make_interval(days => p_days)) AT TIME ZONE v_tz
         ORDER BY i.due_at, i.id;
END
$$;

-- The caller's tasks and meetings for a calendar file: the open ones and those done in the
-- last p_past_days days. uid is stable for the life of the database.
CREATE OR REPLACE FUNCTION ccrm_ics_items(p_past_days int DEFAULT 30)
RETURNS TABLE (uid text, kind text, subject text, body text, due_at timestamptz,
               done_at timestamptz, created_at timestamptz, updated_at timestamptz,
               record text, sequence int)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT 'ccrm-interaction-' || i.id || '@' || ccrm_instance(), i.kind,
           coalesce(nullif(i.subject, ''), i.kind), i.body, i.due_at, i.done_at, i.created_at,
           i.updated_at,
           ccrm_task_record(i.ticket_id, i.opportunity_id, i.lead_id, i.contact_id, i.account_id),
           i.version - 1
      FROM interactions i
     WHERE coalesce(i.owner, i.created_by) = current_user
       AND i.kind IN ('task', 'meeting') AND i.due_at IS NOT NULL
       AND (i.done_at IS NULL OR i.done_at > now() - make_interval(days => p_past_days))
     ORDER BY i.due_at, i.id
$$;

-- A name for this database that stays the same for its life: calendar UIDs use it.
CREATE OR REPLACE FUNCTION ccrm_instance() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT left(md5(current_database() || ':'
                    || coalesce((SELECT extract(epoch FROM min(m.applied_at))::text
                                   FROM schema_migrations m), '')), 16) || '.ccrm'
$$;

-- =======================================================================================
-- Followers and the notification budget
-- =======================================================================================

CREATE OR REPLACE FUNCTION ccrm_inbox_settings_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.time_zone := ccrm_time_zone_name(NEW.time_zone);
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_inbox_settings_check()');

-- Is local time p_t within quiet hours [p_from, p_until) (wrapping midnight when from > until)?
CREATE OR REPLACE FUNCTION ccrm_quiet_time(p_from time, p_until time, p_t time) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_from IS NULL OR p_until IS NULL THEN false
                WHEN p_from < p_until THEN p_t >= p_from AND p_t < p_until
                ELSE p_t >= p_from OR p_t < p_until END
$$;

-- Does an entry of this kind for p_login at p_at stay quiet (no live ping; the digest brings
-- it)? @mentions, SLA breaches and the digest itself always break through.
CREATE OR REPLACE FUNCTION ccrm_inbox_quiet(p_login text, p_kind text, p_at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    -- one statement: the settings row, and the person's time zone (ccrm_user_tz: their own,
    -- else the default calendar's, else UTC) only when they keep quiet hours
    RETURN p_kind NOT IN ('mention', 'sla_breach', 'digest')
       AND coalesce((SELECT s.digest_at IS NOT NULL
                            OR (s.quiet_from IS NOT NULL AND s.quiet_until IS NOT NULL
                                AND public.ccrm_quiet_time(s.quiet_from, s.quiet_until,
                                        (p_at AT TIME ZONE coalesce(s.time_zone,
                                            (SELECT c.time_zone FROM public.calendars c
                                              WHERE c.is_default), 'UTC'))::time))
                       FROM public.inbox_settings s WHERE s.login = p_login), false);
END
$$;

-- The inbox's one writer (called by ccrm_inbox_put and by the definer functions of the
-- system: routing, followers, the scheduler; never directly by a person). Returns whether an
-- entry was written or counted:
--   * nobody hears of their own doing (p_login = p_from), nor does an inactive user;
--   * one sender reaches one recipient at most 30 times in ten minutes (p_from NULL: the
--     system, whose entries are bounded by their own once-only keys);
--   * an unread entry of the same kind about the same record takes the new one: its count
--     grows, the note and sender are the latest (mentions and digests are never merged, and a
--     record is routed once);
--   * quiet (ccrm_inbox_quiet): no live ping -- the event summary says "(quiet)", so clients
--     do not toast it; the next digest lists it.
CREATE OR REPLACE FUNCTION ccrm_inbox_deliver(p_login text, p_kind text, p_entity text,
                                              p_id bigint, p_from text, p_note text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_merge boolean := p_entity IS NOT NULL AND p_kind NOT IN ('mention', 'digest', 'routed');
    v_quiet boolean;
    v_hit   bigint;
    v_sent  bigint;
    v_actor text;
    v_seq   bigint;
    v_n     bigint;
BEGIN
    IF p_login IS NULL OR p_login IS NOT DISTINCT FROM p_from THEN
        RETURN false;
    END IF;
    IF v_merge THEN
        -- one writer at a time per (person, kind, record): a second waits, then counts onto
        -- the first's line (the lookup below is a later statement: it sees the first's line)
        PERFORM pg_advisory_xact_lock(ccrm_lock_key(
            format('ccrm inbox %s %s %s %s', p_login, p_kind, p_entity, p_id)));
    END IF;
    -- one statement for everything a notice is decided on (each statement a notice runs is
    -- paid by the write that causes it: docs/performance.md, "Writes"): the recipient is an
    -- active user; quiet (ccrm_inbox_quiet: the settings row, and the time zone only when
    -- they keep quiet hours); the unread line it counts onto; the sender's recent entries to
    -- them, counted up to the bound only (a busy inbox is not counted through)
    SELECT p_kind NOT IN ('mention', 'sla_breach', 'digest')
           AND coalesce((SELECT s.digest_at IS NOT NULL
                                OR (s.quiet_from IS NOT NULL AND s.quiet_until IS NOT NULL
                                    AND ccrm_quiet_time(s.quiet_from, s.quiet_until,
                                            (now() AT TIME ZONE coalesce(s.time_zone,
                                                (SELECT c.time_zone FROM calendars c
                                                  WHERE c.is_default), 'UTC'))::time))
                           FROM inbox_settings s WHERE s.login = p_login), false),
           CASE WHEN v_merge THEN
               (SELECT x.id FROM inbox x
                 WHERE x.login = p_login AND x.entity = p_entity AND x.entity_id = p_id
                   AND x.kind = p_kind AND x.read_at IS NULL
                 ORDER BY x.id DESC LIMIT 1) END,
           CASE WHEN p_from IS NOT NULL THEN
               (SELECT count(*) FROM (SELECT 1 FROM inbox i
                                       WHERE i.from_login = p_from AND i.login = p_login
                                         AND i.created_at > now() - interval '10 minutes'
                                       LIMIT 30) b) END
      INTO v_quiet, v_hit, v_sent
      FROM users u WHERE u.login = p_login AND u.active;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF v_hit IS NOT NULL THEN
        -- (updated only when there is a line: an UPDATE of no row still fires the inbox's
        -- statement triggers, the audit's and the search blocks')
        UPDATE inbox i
           SET count = i.count + 1, note = coalesce(ccrm_inbox_note(p_note), i.note),
               from_login = p_from, quiet = v_quiet
         WHERE i.id = v_hit;
        RETURN true;
    END IF;
    IF v_sent >= 30 THEN
        RETURN false;
    END IF;
    -- the line, its audit row and its event in one statement, as ccrm_log_changes would write
    -- them (the same rows, by the same person, in the same order), and the line queued for the
    -- Inbox's search blocks as ccrm_search_block_note would queue it; the inbox's own logging
    -- trigger and the two tables' queueing triggers stand aside for it (schema/032, 040: only
    -- the owner writes inbox rows, so only these functions say so, each before its own insert,
    -- and the setting ends with this one). The event is not queued: the Feed, the one list of
    -- the events' blocks, never shows the inbox's bookkeeping (filing it cost 0.38 M
    -- instructions, a tenth of what routing adds to a ticket's insert)
    v_actor := CASE WHEN p_from IS NOT NULL AND p_from = ccrm_actor() THEN p_from
                    ELSE ccrm_person() END;
    PERFORM set_config('ccrm.inbox_logged', 'on', true);
    WITH i AS (INSERT INTO inbox (login, kind, entity, entity_id, from_login, note, quiet)
               VALUES (p_login, p_kind, p_entity, p_id, p_from, ccrm_inbox_note(p_note), v_quiet)
               RETURNING *),
         r AS MATERIALIZED (SELECT i.id, to_jsonb(i) AS nr FROM i),
         a AS (INSERT INTO audit (actor, entity, entity_id, op, new_row)
               SELECT v_actor, 'inbox', r.id, 'insert', r.nr FROM r),
         e AS (INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
               SELECT v_actor, (SELECT u.department FROM users u WHERE u.login = v_actor),
                      'inbox', r.id, 'insert', ccrm_event_account('inbox', r.nr),
                      ccrm_event_summary('inbox', r.nr)
                 FROM r),
         q AS (INSERT INTO search_block_pending (list, id)
               SELECT 'inbox_newest', r.id FROM r
               RETURNING seq)
    SELECT max(q.seq), count(*) INTO v_seq, v_n FROM q;
    PERFORM set_config('ccrm.inbox_logged', 'off', true);
    PERFORM ccrm_search_blocks_queued(v_seq, v_n);
    PERFORM pg_notify('ccrm', '');
    RETURN true;
END
$$;
SELECT ccrm_set_execute('ccrm_inbox_deliver(text,text,text,bigint,text,text)');

-- The same for many entries from the system (no sender, so no bound) at once: the scheduler's
-- notices. Entries with the same person, kind and record are one line (counted); an unread
-- line about the same record takes them as for ccrm_inbox_deliver. Written 20 lines a
-- statement, so that each line still gets its own event (the Feed folds bigger statements into
-- one) while a pass of hundreds of notices costs tens of statements, not hundreds. Returns the
-- number of lines written or counted.
CREATE OR REPLACE FUNCTION ccrm_inbox_deliver_many(p_login text[], p_kind text[], p_entity text[],
                                                   p_id bigint[], p_note text[])
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    g_login  text[];
    g_kind   text[];
    g_entity text[];
    g_id     bigint[];
    g_note   text[];
    g_n      int[];
    g_hit    bigint[];
    v_total  int;
    v_from   int := 1;
    k        int;
BEGIN
    SELECT array_agg(g.l ORDER BY g.l, g.kd, g.e, g.i), array_agg(g.kd ORDER BY g.l, g.kd, g.e, g.i),
           array_agg(g.e ORDER BY g.l, g.kd, g.e, g.i), array_agg(g.i ORDER BY g.l, g.kd, g.e, g.i),
           array_agg(g.nt ORDER BY g.l, g.kd, g.e, g.i), array_agg(g.n ORDER BY g.l, g.kd, g.e, g.i)
      INTO g_login, g_kind, g_entity, g_id, g_note, g_n
      FROM (SELECT u.l, u.kd, u.e, u.i, count(*)::int AS n,
                   -- two of a kind at once (a ticket's first response and resolution breached
                   -- in one pass) name both, each once
                   (SELECT string_agg(x.nt, ' · ' ORDER BY x.o)
                      FROM (SELECT DISTINCT ON (y.nt) y.nt, y.o
                              FROM unnest(array_agg(u.nt ORDER BY u.ord),
                                          array_agg(u.ord ORDER BY u.ord)) y(nt, o)
                             WHERE y.nt IS NOT NULL
                             ORDER BY y.nt, y.o) x) AS nt
              FROM unnest(p_login, p_kind, p_entity, p_id, p_note) WITH ORDINALITY
                   u(l, kd, e, i, nt, ord)
              JOIN users x ON x.login = u.l AND x.active
             GROUP BY u.l, u.kd, u.e, u.i) g;
    v_total := coalesce(cardinality(g_login), 0);
    -- these lines are logged by the inbox's own trigger (schema/032)
    PERFORM set_config('ccrm.inbox_logged', 'off', true);
    -- the locks of ccrm_inbox_deliver, taken in one order (no deadlock between schedulers)
    FOR k IN 1 .. v_total LOOP
        IF g_entity[k] IS NOT NULL AND g_kind[k] NOT IN ('mention', 'digest', 'routed') THEN
            PERFORM pg_advisory_xact_lock(ccrm_lock_key(
                format('ccrm inbox %s %s %s %s', g_login[k], g_kind[k], g_entity[k], g_id[k])));
        END IF;
    END LOOP;
    g_hit := ARRAY(SELECT (SELECT x.id FROM inbox x
                            WHERE x.login = g_login[j] AND x.entity = g_entity[j]
                              AND x.entity_id = g_id[j] AND x.kind = g_kind[j]
                              AND x.read_at IS NULL
                              AND g_kind[j] NOT IN ('mention', 'digest', 'routed')
                            ORDER BY x.id DESC LIMIT 1)
                     FROM generate_series(1, v_total) j ORDER BY j);
    WHILE v_from <= v_total LOOP
        UPDATE inbox i
           SET count = i.count + u.n, note = coalesce(ccrm_inbox_note(u.nt), i.note),
               from_login = NULL, quiet = ccrm_inbox_quiet(i.login, i.kind, now())
          FROM (SELECT g_hit[j] AS hit, g_n[j] AS n, g_note[j] AS nt
                  FROM generate_series(v_from, least(v_from + 19, v_total)) j
                 WHERE g_hit[j] IS NOT NULL) u
         WHERE i.id = u.hit;
        INSERT INTO inbox (login, kind, entity, entity_id, from_login, note, quiet, count)
        SELECT g_login[j], g_kind[j], g_entity[j], g_id[j], NULL, ccrm_inbox_note(g_note[j]),
               ccrm_inbox_quiet(g_login[j], g_kind[j], now()), g_n[j]
          FROM generate_series(v_from, least(v_from + 19, v_total)) j
         WHERE g_hit[j] IS NULL
         ORDER BY j;
        v_from := v_from + 20;
    END LOOP;
    RETURN v_total;
END
$$;
SELECT ccrm_set_execute('ccrm_inbox_deliver_many(text[],text[],text[],bigint[],text[])');

-- Who follows a record: explicit followers, and its owner (tickets: assignee) unless they
-- unwatched it.
CREATE OR REPLACE FUNCTION ccrm_followers(p_entity text, p_id bigint, p_owner text)
RETURNS SETOF text
LANGUAGE sql STABLE
AS $$
    SELECT f.login FROM public.followers f
     WHERE f.entity = p_entity AND f.entity_id = p_id AND f.following
    UNION
    SELECT p_owner
     WHERE p_owner IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM public.followers f
                        WHERE f.entity = p_entity AND f.entity_id = p_id AND f.login = p_owner
                          AND NOT f.following)
$$;

-- Watch (p_on true) or unwatch a record as the caller. Returns whether the caller follows it
-- now. Internal users only (partners follow nothing).
CREATE OR REPLACE FUNCTION ccrm_follow(p_entity text, p_id bigint, p_on boolean DEFAULT true)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('accounts', 'contacts', 'leads', 'opportunities',
                                            'tickets', 'campaigns') THEN
        RAISE EXCEPTION 'cannot follow %: only accounts, contacts, leads, deals, tickets and campaigns',
                        coalesce(p_entity, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF NOT ccrm_record_exists(p_entity, p_id) OR NOT ccrm_record_hold(p_entity, p_id) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id USING ERRCODE = 'P0002';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot follow records' USING ERRCODE = '42501';
    END IF;
    INSERT INTO followers (entity, entity_id, following) VALUES (p_entity, p_id, coalesce(p_on, true))
    ON CONFLICT (login, entity, entity_id)
    DO UPDATE SET following = EXCLUDED.following
          WHERE followers.following IS DISTINCT FROM EXCLUDED.following;
    RETURN coalesce(p_on, true);
END
$$;
SELECT ccrm_set_execute('ccrm_follow(text,bigint,boolean)', 'ccrm_internal');

-- AFTER UPDATE on records (statement), AFTER INSERT on comments and interactions: the
-- record's followers hear of it from the person acting (never the person acting themselves).
--   record updated: 'change', naming the fields; the new owner of a record whose owner changed
--   is not told here (an assignment through ccrm_assign tells them), the old one is;
--   comment: 'comment' (people @mentioned in it get their mention instead);
--   interaction logged on a record (a ticket, else a deal, lead, contact, account): 'change'
--   (not when this transaction wrote the record: its people heard of that already);
--   a task or meeting given to someone else: 'assignment' for them.
-- Statements of more than 20 rows (imports, bulk edits) notify nobody: the Feed has them.
CREATE OR REPLACE FUNCTION ccrm_follow_notify() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_from  text := ccrm_person();
    v_owner text := CASE TG_TABLE_NAME WHEN 'tickets' THEN 'assignee' ELSE 'owner' END;
    v_n     bigint;
    r       record;
    v_login text;
    v_new   text;
    v_old   text;
    v_label text;
    v_changed text[];
BEGIN
    SELECT count(*) INTO v_n FROM new_rows;
    IF v_n = 0 OR v_n > 20 THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'comments' THEN
        FOR r IN SELECT n.id, n.entity, n.entity_id, n.body, n.author FROM new_rows n ORDER BY n.id LOOP
            CONTINUE WHEN r.entity NOT IN ('accounts', 'contacts', 'leads', 'opportunities',
                                           'tickets', 'campaigns');
            FOR v_login IN
                SELECT f FROM ccrm_followers(r.entity, r.entity_id,
                                             ccrm_record_owner(r.entity, r.entity_id)) f
                 WHERE f <> r.author
                   AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.comment_id = r.id AND m.login = f)
                 ORDER BY 1 LOOP
                PERFORM ccrm_inbox_deliver(v_login, 'comment', r.entity, r.entity_id, v_from,
                                           'comment: ' || r.body);
            END LOOP;
        END LOOP;
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'interactions' THEN
        FOR r IN EXECUTE
            'SELECT n.id, n.kind, n.subject, n.owner, n.created_by,
                    o.owner AS old_owner, o.id IS NOT NULL AS updated,
                    CASE WHEN n.ticket_id IS NOT NULL THEN ''tickets''
                         WHEN n.opportunity_id IS NOT NULL THEN ''opportunities''
                         WHEN n.lead_id IS NOT NULL THEN ''leads''
                         WHEN n.contact_id IS NOT NULL THEN ''contacts''
                         WHEN n.account_id IS NOT NULL THEN ''accounts'' END AS entity,
                    coalesce(n.ticket_id, n.opportunity_id, n.lead_id, n.contact_id,
                             n.account_id) AS entity_id
               FROM new_rows n LEFT JOIN '
            || CASE TG_OP WHEN 'UPDATE' THEN 'old_rows' ELSE '(SELECT NULL::bigint AS id, NULL::text AS owner) ' END
            || ' o ON o.id = n.id ORDER BY n.id'
        LOOP
            -- a task or meeting given to someone else
            IF r.owner IS NOT NULL AND r.owner IS DISTINCT FROM r.old_owner
               AND r.kind IN ('task', 'meeting') THEN
                PERFORM ccrm_inbox_deliver(r.owner, 'assignment', 'interactions', r.id, v_from,
                                           format('%s for you: %s', r.kind, coalesce(r.subject, '')));
            END IF;
            -- nor an interaction on a record this transaction wrote (a mail that opens a
            -- ticket: its person hears of the ticket, not twice)
            CONTINUE WHEN r.updated OR r.entity IS NULL
                       OR ccrm_record_written_now(r.entity, r.entity_id);
            FOR v_login IN
                SELECT f FROM ccrm_followers(r.entity, r.entity_id,
                                             ccrm_record_owner(r.entity, r.entity_id)) f
                 WHERE f IS DISTINCT FROM r.owner ORDER BY 1 LOOP
                PERFORM ccrm_inbox_deliver(v_login, 'change', r.entity, r.entity_id, v_from,
                                           format('%s logged: %s', r.kind, coalesce(r.subject, '')));
            END LOOP;
        END LOOP;
        RETURN NULL;
    END IF;
    -- records: one static statement (planned once a session per table, not at every write:
    -- the row as jsonb names its owner column and its label whatever the table). Nobody can
    -- hear of a change but the owner before and after and the explicit followers; when those
    -- are all the person acting, nothing is worked out at all (one's own records).
    FOR r IN SELECT n.id, to_jsonb(n) AS nr, to_jsonb(o) AS orow
               FROM new_rows n JOIN old_rows o ON o.id = n.id ORDER BY n.id LOOP
        v_new := r.nr ->> v_owner;
        v_old := r.orow ->> v_owner;
        CONTINUE WHEN (v_new IS NULL OR v_new = v_from) AND (v_old IS NULL OR v_old = v_from)
                  AND NOT EXISTS (SELECT 1 FROM followers f
                                   WHERE f.entity = TG_TABLE_NAME AND f.entity_id = r.id
                                     AND f.following AND f.login <> v_from);
        -- the columns named in words, as the Feed names them (ccrm_feed_what): "annual
        -- revenue", "account", not annual_revenue, account_id
        v_changed := ARRAY(SELECT replace(regexp_replace(k.key, '_id$', ''), '_', ' ')
                             FROM jsonb_each(r.nr) k
                            WHERE k.key NOT IN ('updated_at', 'updated_by', 'version', 'search')
                              AND k.value IS DISTINCT FROM r.orow -> k.key
                            ORDER BY k.key);
        CONTINUE WHEN cardinality(v_changed) = 0;
        v_label := CASE TG_TABLE_NAME
                       WHEN 'tickets' THEN r.nr ->> 'subject'
                       WHEN 'leads' THEN concat_ws(' ', r.nr ->> 'first_name', r.nr ->> 'last_name',
                                                   r.nr ->> 'company')
                       WHEN 'contacts' THEN concat_ws(' ', r.nr ->> 'first_name', r.nr ->> 'last_name')
                       ELSE r.nr ->> 'name' END;
        FOR v_login IN
            SELECT f FROM ccrm_followers(TG_TABLE_NAME, r.id, v_new) f
             WHERE v_new IS NOT DISTINCT FROM v_old OR f IS DISTINCT FROM v_new
            UNION
            SELECT v_old WHERE v_old IS DISTINCT FROM v_new AND v_old IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM followers x
                               WHERE x.entity = TG_TABLE_NAME AND x.entity_id = r.id
                                 AND x.login = v_old AND NOT x.following)
            ORDER BY 1 LOOP
            PERFORM ccrm_inbox_deliver(v_login, 'change', TG_TABLE_NAME, r.id, v_from,
                format('%s #%s %s: %s changed%s', ccrm_entity_noun(TG_TABLE_NAME), r.id,
                       coalesce(v_label, ''), array_to_string(v_changed, ', '),
                       CASE WHEN v_new IS DISTINCT FROM v_old
                            THEN format(' (%s → %s)', coalesce(v_old, 'nobody'),
                                        coalesce(v_new, 'nobody')) ELSE '' END));
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_follow_notify()');

-- Did this transaction write the record (insert or update it)? Its row version is this
-- transaction's. (One query per branch, as ccrm_record_account: a CASE expression over all
-- of them started every branch's plan at each call.)
CREATE OR REPLACE FUNCTION ccrm_record_written_now(p_entity text, p_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_x xid := pg_catalog.pg_current_xact_id()::xid;
BEGIN
    CASE p_entity
        WHEN 'accounts' THEN
            RETURN EXISTS (SELECT 1 FROM public.accounts r WHERE r.id = p_id AND r.xmin = v_x);
        WHEN 'contacts' THEN
            RETURN EXISTS (SELECT 1 FROM public.contacts r WHERE r.id = p_id AND r.xmin = v_x);
        WHEN 'leads' THEN
            RETURN EXISTS (SELECT 1 FROM public.leads r WHERE r.id = p_id AND r.xmin = v_x);
        WHEN 'opportunities' THEN
            RETURN EXISTS (SELECT 1 FROM public.opportunities r
                            WHERE r.id = p_id AND r.xmin = v_x);
        WHEN 'tickets' THEN
            RETURN EXISTS (SELECT 1 FROM public.tickets r WHERE r.id = p_id AND r.xmin = v_x);
        ELSE RETURN false;
    END CASE;
END
$$;

-- The owner (tickets: assignee) of a record, read as the owner of the schema (callers are
-- definer functions).
CREATE OR REPLACE FUNCTION ccrm_record_owner(p_entity text, p_id bigint) RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE p_entity
        WHEN 'accounts' THEN (SELECT r.owner FROM public.accounts r WHERE r.id = p_id)
        WHEN 'contacts' THEN (SELECT r.owner FROM public.contacts r WHERE r.id = p_id)
        WHEN 'leads' THEN (SELECT r.owner FROM public.leads r WHERE r.id = p_id)
        WHEN 'opportunities' THEN (SELECT r.owner FROM public.opportunities r WHERE r.id = p_id)
        WHEN 'tickets' THEN (SELECT r.assignee FROM public.tickets r WHERE r.id = p_id)
        WHEN 'campaigns' THEN (SELECT r.owner FROM public.campaigns r WHERE r.id = p_id)
    END
$$;

-- The last digest time of a person at p_at: today's (or yesterday's) digest_at, else the end
-- of their quiet hours, in their time zone; NULL when they have neither.
CREATE OR REPLACE FUNCTION ccrm_digest_due(p_login text, p_at timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_tz    text := ccrm_user_tz(p_login);
    v_local timestamp := p_at AT TIME ZONE ccrm_user_tz(p_login);
    v_t     time;
    v_due   timestamp;
BEGIN
    SELECT coalesce(s.digest_at, s.quiet_until) INTO v_t FROM inbox_settings s
     WHERE s.login = p_login;
    IF v_t IS NULL THEN
        RETURN NULL;
    END IF;
    v_due := v_local::date + v_t;
    IF v_due > v_local THEN
        v_due := v_due - interval '1 day';
    END IF;
    -- around a clock change the local time may be one the day skips or has twice, and in UTC
    -- come after p_at: then today's has not come yet and the last one due is yesterday's (a
    -- digest written with a time to come made the entries between lost to every digest: 094)
    IF (v_due AT TIME ZONE v_tz) > p_at THEN
        v_due := v_due - interval '1 day';
    END IF;
    RETURN v_due AT TIME ZONE v_tz;
END
$$;

-- =======================================================================================
-- The scheduler
-- =======================================================================================

-- Time-based work, everything that is due and not done yet, each thing exactly once however
-- many schedulers run and however often they stopped (pg_cron every minute, or `ccrm --tick`
-- from cron or a systemd timer):
--   breaches    running SLA clocks past their due time are marked breached;
--   breach      each breach is announced once to the ticket's assignee, their team lead and
--               the policy's escalate_to (it breaks through quiet hours), and to the
--               assignee's deputy while the assignee is away;
--   warnings    each running clock reaching its warning time: the assignee and their lead
--               (and deputy, while away), once (a clock already breached gets the breach only);
--   reminders   each open task or meeting of an active internal person falling due (in the
--               last day) gets one reminders row: every open client of that person rings;
--   digests     each person with a digest time (or quiet hours) gets, once per digest time,
--               one inbox entry listing the quiet entries since the previous one;
--   upkeep      up to 5,000 queued rows of the search blocks are filed (schema/018).
-- Clocks are claimed with FOR UPDATE SKIP LOCKED and re-checked on their newest version, so a
-- second scheduler skips what the first is doing and finds it done after; reminders and
-- digests are claimed by their unique keys, and skipped while another scheduler holds them
-- (a transaction-level advisory lock tried, never waited for). Nothing is sent before the
-- pass commits: a scheduler that dies sends nothing, and the next run does it all. Returns
-- what was done, one row per kind of work.
CREATE OR REPLACE FUNCTION ccrm_tick()
RETURNS TABLE (work text, done int)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who   text := ccrm_person();
    v_now   timestamptz := clock_timestamp();
    c       record;
    s       record;
    v_login text;
    v_dig   bigint;
    v_prev  timestamptz;
    v_n     int;
    v_sum   int;
    v_list  text;
    n_mark  int := 0;
    v_marked bigint[];
    n_b     int := 0;
    n_w     int := 0;
    n_r     int := 0;
    n_d     int := 0;
    -- the notices of this pass, written together (ccrm_inbox_deliver_many)
    a_login text[] := '{}';
    a_kind  text[] := '{}';
    a_id    bigint[] := '{}';
    a_note  text[] := '{}';
BEGIN
    -- 1. breaches, and the events of their tickets (the lists filtered on breached clocks
    -- re-read: nothing else tells them)
    WITH m AS (UPDATE sla_clocks k SET breached_at = k.due_at
                WHERE k.id IN (SELECT x.id FROM sla_clocks x
                                WHERE x.running_since IS NOT NULL AND x.breached_at IS NULL
                                  AND x.due_at <= v_now
                                FOR UPDATE SKIP LOCKED)
               RETURNING k.ticket_id)
    SELECT count(*), array_agg(m.ticket_id) INTO n_mark, v_marked FROM m;
    PERFORM ccrm_sla_event(v_marked, 'breached');

    -- 2. breach notices
    FOR c IN UPDATE sla_clocks k SET breach_notified_at = v_now,
                                     warned_at = coalesce(k.warned_at, v_now)
              WHERE k.id IN (SELECT x.id FROM sla_clocks x
                              WHERE x.breached_at IS NOT NULL AND x.breach_notified_at IS NULL
                              ORDER BY x.id FOR UPDATE SKIP LOCKED)
             RETURNING k.id, k.ticket_id, k.kind, k.due_at, k.breached_at, k.met_at, k.policy_id
    LOOP
        n_b := n_b + 1;
        FOR v_login IN SELECT DISTINCT x FROM (
                SELECT t.assignee AS x FROM tickets t WHERE t.id = c.ticket_id
                UNION ALL
                SELECT ccrm_manager_of(t.assignee) FROM tickets t WHERE t.id = c.ticket_id
                UNION ALL
                SELECT p.escalate_to FROM sla_policies p WHERE p.id = c.policy_id
                UNION ALL
                SELECT a.deputy FROM tickets t, ccrm_absence(t.assignee, v_now) a
                 WHERE t.id = c.ticket_id) y
             -- staff only: an assignee from before 045 may be a partner or disabled since
             WHERE x IS NOT NULL
               AND EXISTS (SELECT 1 FROM users u
                            WHERE u.login = y.x AND u.active AND u.partner_org_id IS NULL)
             ORDER BY 1 LOOP
            a_login := a_login || v_login;
            a_kind := a_kind || 'sla_breach'::text;
            a_id := a_id || c.ticket_id;
            a_note := a_note ||
                format('ticket #%s %s: %s target breached at %s%s', c.ticket_id,
                       (SELECT t.subject FROM tickets t WHERE t.id = c.ticket_id),
                       replace(c.kind, '_', ' '),
                       to_char(c.breached_at AT TIME ZONE ccrm_user_tz(v_login),
                               'YYYY-MM-DD HH24:MI'),
                       CASE WHEN c.met_at IS NOT NULL
                            THEN format(' (met at %s)', to_char(c.met_at AT TIME ZONE
                                 ccrm_user_tz(v_login), 'YYYY-MM-DD HH24:MI')) ELSE '' END);
        END LOOP;
    END LOOP;

    -- 3. warnings
    FOR c IN UPDATE sla_clocks k SET warned_at = v_now
              WHERE k.id IN (SELECT x.id FROM sla_clocks x
                              WHERE x.running_since IS NOT NULL AND x.warned_at IS NULL
                                AND x.breached_at IS NULL AND x.warn_at <= v_now
                              ORDER BY x.id FOR UPDATE SKIP LOCKED)
             RETURNING k.id, k.ticket_id, k.kind, k.due_at, k.policy_id
    LOOP
        n_w := n_w + 1;
        FOR v_login IN SELECT DISTINCT x FROM (
                SELECT t.assignee AS x FROM tickets t WHERE t.id = c.ticket_id
                UNION ALL
                SELECT ccrm_manager_of(t.assignee) FROM tickets t WHERE t.id = c.ticket_id
                UNION ALL
                SELECT p.escalate_to FROM sla_policies p, tickets t
                 WHERE p.id = c.policy_id AND t.id = c.ticket_id AND t.assignee IS NULL
                UNION ALL
                SELECT a.deputy FROM tickets t, ccrm_absence(t.assignee, v_now) a
                 WHERE t.id = c.ticket_id) y
             -- staff only: an assignee from before 045 may be a partner or disabled since
             WHERE x IS NOT NULL
               AND EXISTS (SELECT 1 FROM users u
                            WHERE u.login = y.x AND u.active AND u.partner_org_id IS NULL)
             ORDER BY 1 LOOP
            a_login := a_login || v_login;
            a_kind := a_kind || 'sla_warning'::text;
            a_id := a_id || c.ticket_id;
            a_note := a_note ||
                format('ticket #%s %s: %s due at %s', c.ticket_id,
                       (SELECT t.subject FROM tickets t WHERE t.id = c.ticket_id),
                       replace(c.kind, '_', ' '),
                       to_char(c.due_at AT TIME ZONE ccrm_user_tz(v_login), 'YYYY-MM-DD HH24:MI'));
        END LOOP;
    END LOOP;
    IF cardinality(a_login) > 0 THEN
        PERFORM ccrm_inbox_deliver_many(a_login, a_kind,
                                        array_fill('tickets'::text, ARRAY[cardinality(a_login)]),
                                        a_id, a_note);
    END IF;

    -- 4. reminders
    INSERT INTO reminders (login, interaction_id, due_at, note)
    SELECT coalesce(i.owner, i.created_by), i.id, i.due_at,
           left(i.kind || ': ' || coalesce(nullif(i.subject, ''), '(no subject)'), 200)
      FROM interactions i
      JOIN users u ON u.login = coalesce(i.owner, i.created_by) AND u.active
                  AND u.partner_org_id IS NULL
     WHERE i.done_at IS NULL AND i.due_at IS NOT NULL
       AND i.due_at <= v_now AND i.due_at > v_now - interval '1 day'
       AND i.kind IN ('task', 'meeting')
       AND NOT EXISTS (SELECT 1 FROM reminders m
                        WHERE m.interaction_id = i.id AND m.due_at = i.due_at)
       -- one that another scheduler is writing now is its (the unique key would make this
       -- one wait for it; should it die, the next run writes it)
       AND pg_try_advisory_xact_lock(ccrm_lock_key(
               format('ccrm reminder %s %s', i.id, extract(epoch FROM i.due_at))))
     ORDER BY i.due_at, i.id
    ON CONFLICT (interaction_id, due_at) DO NOTHING;
    GET DIAGNOSTICS n_r = ROW_COUNT;

    -- 5. digests
    FOR s IN SELECT x.login, ccrm_digest_due(x.login, v_now) AS due
               FROM inbox_settings x JOIN users u ON u.login = x.login AND u.active
              WHERE x.digest_at IS NOT NULL OR x.quiet_until IS NOT NULL
              ORDER BY x.login LOOP
        CONTINUE WHEN s.due IS NULL
                   OR EXISTS (SELECT 1 FROM digests d WHERE d.login = s.login AND d.due_at >= s.due)
                   -- another scheduler is at this person's digest now
                   OR NOT pg_try_advisory_xact_lock(ccrm_lock_key('ccrm digest ' || s.login));
        v_dig := NULL;
        INSERT INTO digests (login, due_at) VALUES (s.login, s.due)
        ON CONFLICT (login, due_at) DO NOTHING
        RETURNING id INTO v_dig;
        CONTINUE WHEN v_dig IS NULL;
        SELECT max(d.due_at) INTO v_prev FROM digests d
         WHERE d.login = s.login AND d.due_at < s.due;
        SELECT count(*), coalesce(sum(e.count), 0),
               string_agg(e.what, ', ' ORDER BY e.last DESC)
          INTO v_n, v_sum, v_list
          FROM (SELECT i.kind || ' ' || coalesce(ccrm_entity_noun(i.entity) || ' #' || i.entity_id, '')
                       || CASE WHEN i.count > 1 THEN ' ×' || i.count ELSE '' END AS what,
                       i.count, i.updated_at AS last
                  FROM inbox i
                 WHERE i.login = s.login AND i.quiet AND i.read_at IS NULL
                   AND i.updated_at <= s.due
                   AND (v_prev IS NULL OR i.updated_at > v_prev)) e;
        IF v_n > 0 THEN
            PERFORM ccrm_inbox_deliver(s.login, 'digest', NULL, NULL, NULL,
                format('%s %s while you were not disturbed: %s', v_sum,
                       CASE WHEN v_sum = 1 THEN 'entry' ELSE 'entries' END, v_list));
            UPDATE digests d SET entries = v_sum,
                                 inbox_id = (SELECT max(i.id) FROM inbox i
                                              WHERE i.login = s.login AND i.kind = 'digest')
             WHERE d.id = v_dig;
            n_d := n_d + 1;
        END IF;
    END LOOP;

    -- 6. upkeep: file the search blocks' queue (schema/018), a bounded part a pass
    IF to_regprocedure('public.ccrm_search_blocks_flush(integer)') IS NOT NULL THEN
        work := 'search blocks';
        EXECUTE 'SELECT public.ccrm_search_blocks_flush(5000)' INTO done;
        RETURN NEXT;
    END IF;

    work := 'breaches'; done := n_b; RETURN NEXT;
    work := 'warnings'; done := n_w; RETURN NEXT;
    work := 'reminders'; done := n_r; RETURN NEXT;
    work := 'digests'; done := n_d; RETURN NEXT;
END
$$;
SELECT ccrm_set_execute('ccrm_tick()', 'ccrm_internal');

-- Schedule ccrm_tick() every minute with pg_cron, when this server has it for this database
-- (shared_preload_libraries = 'pg_cron', cron.database_name = this database; the private
-- database sets both). The job runs as the role calling this (ccrm --migrate: the schema's
-- owner). A second job keeps pg_cron's own log to a week. Returns what it did, in words.
CREATE OR REPLACE FUNCTION ccrm_cron_enable() RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_super boolean := (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions e WHERE e.name = 'pg_cron') THEN
        RETURN 'pg_cron is not installed: run ccrm --tick from cron or a systemd timer';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension x WHERE x.extname = 'pg_cron') THEN
        -- only a superuser may read the preload settings, and create the extension
        IF NOT v_super THEN
            RETURN 'pg_cron needs CREATE EXTENSION pg_cron by a superuser, then ccrm --migrate';
        END IF;
        IF current_setting('shared_preload_libraries') !~ '(^|[ ,])pg_cron($|[ ,])'
           OR coalesce(current_setting('cron.database_name', true), '') <> current_database() THEN
            RETURN 'pg_cron is not loaded for this database: run ccrm --tick from cron or a systemd timer';
        END IF;
        CREATE EXTENSION pg_cron;
    END IF;
    BEGIN
        PERFORM cron.schedule('ccrm-tick', '* * * * *', 'SELECT public.ccrm_tick()');
        PERFORM cron.schedule('ccrm-cron-log', '17 3 * * *',
                              'DELETE FROM cron.job_run_details WHERE end_time < now() - interval ''7 days''');
    EXCEPTION WHEN insufficient_privilege OR invalid_schema_name OR undefined_function THEN
        RETURN 'pg_cron would not take the job: ' || SQLERRM;
    END;
    RETURN 'ccrm_tick() runs every minute (pg_cron job ccrm-tick)';
END
$$;
SELECT ccrm_set_execute('ccrm_cron_enable()');

DO $$
BEGIN
    IF to_regclass('public.sla_clocks') IS NOT NULL THEN
        PERFORM ccrm_cron_enable();
    END IF;
END
$$;
