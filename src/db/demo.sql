-- ccrm demo data. Run by `ccrm --demo [--scale N]`: the client sends this whole file with
-- PQexec (it only creates session-local functions in pg_temp), then calls
--     SELECT pg_temp.ccrm_demo_load($1::int)      -- $1 = number of accounts
-- which returns a one-line summary. Needs a superuser (it creates the demo login roles and,
-- for big loads, sets session_replication_role).
--
-- Deterministic: every value is derived from the row number and the day of the load (no
-- random()). The history is told relative to one instant, t0 (pg_temp.ccrm_demo_t0): 09:00
-- UTC 36 days before the day of the load (UTC), and never earlier than 2026-11-01 09:00 UTC,
-- which is t0 of a load up to 2026-12-07. A demo loaded on any later day is the one loaded on
-- 2026-12-07, moved by as many days: tickets, mails and meetings as many days old, campaigns
-- as far from today (a campaign past its end is completed; names that carry a season or a
-- year take them from its dates), the business calendars' holidays computed for every year
-- it covers. No won or lost deal closes after the day of the load, open deals expect their
-- days from the load on, open tasks fall due around the day of the load, and the back office
-- and the agenda go by today. On a fresh database the ids are the same on every run too.
--
-- Shape, per "slot" (one slot per account up to 20,000 accounts; above that the slots are
-- spread evenly, so at 1,000,000 accounts every 50th account carries people and history):
--   3 contacts, 1 lead, 3 of 4 slots an opportunity, every 2nd slot a ticket, 3-5
--   interactions. Two thirds of the leads are the slot's first contact (half linked by
--   contact_id, half only by e-mail, some in different letter case), so one person shows up
--   in a lead (marketing), a ticket (support) and a deal (sales) on one timeline.
--   The caps (<= 60,000 contacts, <= 20,000 leads, ...) keep a million-account load well
--   under a minute; accounts are the table that scales.
-- Rows are written as the demo users themselves (SET ROLE), so created_by, audit and events
-- name real people from every department.

-- t0, the instant the demo's history is told from (see above): a whole number of days after
-- 2026-11-01 09:00 UTC, so that every date of a load up to 2026-12-07 stays what it was
CREATE FUNCTION pg_temp.ccrm_demo_t0() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT greatest(timestamptz '2026-11-01 09:00+00',
                    (date_trunc('day', now() AT TIME ZONE 'UTC') - interval '36 days'
                     + interval '9 hours') AT TIME ZONE 'UTC')
$$;

-- The season a date falls in (northern, by months: March to May is spring), for the names of
-- campaigns: 'Spring', 'Summer', 'Autumn' or 'Winter' (six letters each: the names keep
-- their length whatever day the demo is loaded)
CREATE FUNCTION pg_temp.ccrm_demo_season(p_day date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['Winter', 'Spring', 'Summer', 'Autumn'])[1 + (extract(month FROM p_day)::int % 12) / 3]
$$;

-- Easter Sunday of a year (the Gregorian computus, "anonymous" algorithm)
CREATE FUNCTION pg_temp.ccrm_demo_easter(y int) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    a int := y % 19;
    b int := y / 100;
    c int := y % 100;
    d int := b / 4;
    e int := b % 4;
    f int := (b + 8) / 25;
    g int := (b - f + 1) / 3;
    h int := (19 * a + b - d - g + 15) % 30;
    i int := c / 4;
    k int := c % 4;
    l int := (32 + 2 * e + 2 * i - h - k) % 7;
    m int := (a + 11 * h + 22 * l) / 451;
BEGIN
    RETURN make_date(y, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
END
$$;

-- A holiday on a Saturday taken the Friday before, one on a Sunday the Monday after
CREATE FUNCTION pg_temp.ccrm_demo_observed(p_day date) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_day + CASE extract(isodow FROM p_day) WHEN 6 THEN -1 WHEN 7 THEN 1 ELSE 0 END
$$;

-- The public holidays of the demo's offices from year p_from to p_to, in order: 'berlin'
-- (New Year, Good Friday, Easter Monday, 1 May, Ascension, Whit Monday, 3 October, Christmas
-- and the day after) or 'new_york' (the US federal days a business closes: New Year, Memorial
-- Day, Independence Day, Labor Day, Thanksgiving, Christmas; one on a Saturday is taken the
-- Friday before, one on a Sunday the Monday after, but New Year only the Monday after)
CREATE FUNCTION pg_temp.ccrm_demo_holidays(p_office text, p_from int, p_to int) RETURNS date[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(d ORDER BY d)
      FROM generate_series(p_from, p_to) y,
           LATERAL (SELECT pg_temp.ccrm_demo_easter(y) AS easter,
                           make_date(y, 5, 31) - (extract(isodow FROM make_date(y, 5, 31))::int - 1) AS memorial,
                           make_date(y, 9, 1) + (8 - extract(isodow FROM make_date(y, 9, 1))::int) % 7 AS labor,
                           make_date(y, 11, 1) + (11 - extract(isodow FROM make_date(y, 11, 1))::int) % 7 + 21
                               AS thanksgiving) x,
           LATERAL (SELECT unnest(CASE p_office
                WHEN 'berlin' THEN ARRAY[make_date(y, 1, 1), x.easter - 2, x.easter + 1,
                                         make_date(y, 5, 1), x.easter + 39, x.easter + 50,
                                         make_date(y, 10, 3), make_date(y, 12, 25),
                                         make_date(y, 12, 26)]
                WHEN 'new_york' THEN ARRAY[
                    make_date(y, 1, 1) + CASE WHEN extract(isodow FROM make_date(y, 1, 1)) = 7
                                              THEN 1 ELSE 0 END,
                    x.memorial, pg_temp.ccrm_demo_observed(make_date(y, 7, 4)), x.labor,
                    x.thanksgiving, pg_temp.ccrm_demo_observed(make_date(y, 12, 25))]
                END) AS d) h
$$;

CREATE FUNCTION pg_temp.ccrm_demo_base(p_table text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_max bigint;
    v_seq bigint;
BEGIN
    EXECUTE format('SELECT max(id) FROM public.%I', p_table) INTO v_max;
    v_seq := pg_sequence_last_value(pg_get_serial_sequence('public.' || p_table, 'id')::regclass);
    RETURN greatest(coalesce(v_max, 0), coalesce(v_seq, 0));
END
$$;

CREATE FUNCTION pg_temp.ccrm_demo_setval(p_table text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_top bigint := pg_temp.ccrm_demo_base(p_table);
BEGIN
    IF v_top > 0 THEN
        PERFORM setval(pg_get_serial_sequence('public.' || p_table, 'id'), v_top);
    END IF;
END
$$;

-- Big loads: drop a table's secondary indexes (returns their definitions) and build them
-- again afterwards; one sorted build is far cheaper than a million index insertions.
CREATE FUNCTION pg_temp.ccrm_demo_drop_indexes(p_table text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    v_defs text[];
    v_name text;
BEGIN
    SELECT array_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid)
      INTO v_defs
      FROM pg_index i
     WHERE i.indrelid = ('public.' || p_table)::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
    FOR v_name IN
        SELECT i.indexrelid::regclass::text
          FROM pg_index i
         WHERE i.indrelid = ('public.' || p_table)::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    LOOP
        EXECUTE 'DROP INDEX ' || v_name;
    END LOOP;
    RETURN coalesce(v_defs, '{}');
END
$$;

-- Move a staging table into a public table, one INSERT per author, as that author. The rows
-- keep the ids the staging tables link them by; nobody but the owner may choose an id
-- (schema/069), so each author is lent INSERT on the id column for its insert and loses it
-- again in the same transaction: no other session ever sees the grant.
CREATE FUNCTION pg_temp.ccrm_demo_move(p_src text, p_dst text, p_cols text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_role  text := current_setting('role');
    v_who   text;
    v_n     bigint := 0;
    v_c     bigint;
BEGIN
    EXECUTE format('GRANT SELECT ON pg_temp.%I TO PUBLIC', p_src);
    FOR v_who IN EXECUTE format('SELECT DISTINCT author FROM pg_temp.%I ORDER BY 1', p_src) LOOP
        EXECUTE format('GRANT INSERT (id) ON public.%I TO %I', p_dst, v_who);
        PERFORM set_config('role', v_who, true);
        EXECUTE format('INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE '
                       'SELECT %s FROM pg_temp.%I WHERE author = $1 ORDER BY id',
                       p_dst, p_cols, p_cols, p_src)
            USING v_who;
        GET DIAGNOSTICS v_c = ROW_COUNT;
        v_n := v_n + v_c;
        PERFORM set_config('role', v_role, true);
        EXECUTE format('REVOKE INSERT (id) ON public.%I FROM %I', p_dst, v_who);
    END LOOP;
    PERFORM pg_temp.ccrm_demo_setval(p_dst);
    RETURN v_n;
END
$$;

CREATE FUNCTION pg_temp.ccrm_demo_load(n_accounts int) RETURNS text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_n      bigint := n_accounts;
    v_big    boolean := n_accounts > 20000;
    v_slots  bigint := least(n_accounts, 20000);
    v_t0     constant timestamptz := pg_temp.ccrm_demo_t0();
    -- the days the history moved from that of a load up to 2026-12-07 (t0 2026-11-01), which
    -- the fixed dates below are written for
    v_shift  constant int := (v_t0 AT TIME ZONE 'UTC')::date - date '2026-11-01';
    v_d0     constant date := date '2026-11-01' + v_shift;
    -- the day of the load itself, from midnight in Berlin (where sales sits): what is still to
    -- do falls due around it, not around t0 weeks before
    v_day0   constant timestamptz := date_trunc('day', now() AT TIME ZONE 'Europe/Berlin')
                                     AT TIME ZONE 'Europe/Berlin';
    -- the campaigns' names: a season and a year that fit their dates
    v_webinar  text := pg_temp.ccrm_demo_season(date '2026-03-01' + v_shift) || ' Webinar '
                       || extract(year FROM date '2026-03-01' + v_shift);
    v_letter   text := pg_temp.ccrm_demo_season(date '2026-09-01' + v_shift) || ' Newsletter';
    v_fair     text := 'Hannover Trade Fair ' || extract(year FROM date '2027-04-20' + v_shift);
    v_upsell   text := 'Pro Plan Upsell ' || pg_temp.ccrm_demo_season(date '2026-10-01' + v_shift)
                       || ' ' || extract(year FROM date '2026-10-01' + v_shift);
    v_srr    text := current_setting('session_replication_role');
    v_role   text := current_setting('role');
    v_me     text := current_user;
    v_org    bigint;
    ab bigint; cb bigint; lb bigint; ob bigint; tb bigint; ib bigint;  -- id bases
    n_con bigint; n_lead bigint; n_opp bigint; n_tic bigint; n_int bigint;
    n_camp bigint; n_mem bigint; n_com bigint; n_share bigint; n_user bigint;
    n_mail bigint := 0; v_ix bigint; v_mid text; v_prev text;
    -- the back office (section "back office" below)
    n_prod bigint; n_quote bigint; n_inv bigint;
    v_q bigint; v_q2 bigint; v_inv bigint; v_cn bigint; v_k int := 0;
    v_issue bigint[] := '{}';   -- invoices to issue, with ...
    v_day int[] := '{}';        -- ... their issue date, days before today
    v_quoted bigint[] := '{}';  -- the deals with a quote
    n_intr bigint; n_seg bigint; n_opt bigint; n_resp bigint; n_dup bigint;  -- issue 19
    v_camp bigint; v_seg bigint; v_id bigint;
    v_summary text;
    v_service text;
    v_defs   text[];
    v_def    text;
    r record;

    -- people: login, display name, department
    u_login text[] := ARRAY['sam', 'juergen', 'jose', 'priya',
                            'sofia', 'zoe', 'lukasz', 'kenji',
                            'marco', 'chloe', 'renee',
                            'mia', 'oskar',
                            'bea', 'finn',
                            'ana',
                            'paul'];
    u_name  text[] := ARRAY['Samuel Okafor', 'Jürgen Weiß', 'José Núñez', 'Priya Raghunathan',
                            'Sofia Lindqvist', 'Zoë Ångström', 'Łukasz Żółć', 'Kenji Watanabe',
                            'Marco Rossi', 'Chloé Dubois', 'Renée O''Brien',
                            'Mia Müller', 'Oskar Nyström',
                            'Beatriz Gómez', 'Finn Sørensen',
                            'Ana Pereira',
                            'Paul Becker'];
    u_dept  text[] := ARRAY['sales', 'sales', 'sales', 'sales',
                            'support', 'support', 'support', 'support',
                            'marketing', 'marketing', 'marketing',
                            'management', 'management',
                            'billing', 'billing',
                            'admin',
                            'partner'];
    sales   text[] := ARRAY['sam', 'juergen', 'jose', 'priya'];
    support text[] := ARRAY['sofia', 'zoe', 'lukasz', 'kenji'];
    mkt     text[] := ARRAY['marco', 'chloe', 'renee'];
    mgmt    text[] := ARRAY['mia', 'oskar'];

    -- account names: first word x sector x legal form (48 x 30 x 16 = 23,040, then numbered)
    w1 text[] := ARRAY['Müller', 'Schmidt', 'Nordlicht', 'Øresund', 'Ñandú', 'Société Générale',
        'Acme', 'Bergström', 'Łódź', 'Zürich', 'Café Central', 'Dubois', 'Kowalski', 'Janssen',
        'Van der Berg', 'O''Connor', 'Rossi', 'Fjord', 'Alpen', 'Baltic', 'Atlas', 'Polaris',
        'Helios', 'Orion', 'Nova', 'Vega', 'Aurora', 'Sakura', '北京', '東京', 'Delta', 'Summit',
        'Evergreen', 'Bluewater', 'Redwood', 'Silverline', 'Ironbridge', 'Crescent', 'Harbor',
        'Pinnacle', 'Meridian', 'Horizon', 'Čapek', 'Dvořák', 'Åkesson', 'Söderberg', 'Ibáñez',
        'Gonçalves'];
    w1s text[] := ARRAY['mueller', 'schmidt', 'nordlicht', 'oresund', 'nandu', 'socgen',
        'acme', 'bergstrom', 'lodz', 'zurich', 'cafecentral', 'dubois', 'kowalski', 'janssen',
        'vanderberg', 'oconnor', 'rossi', 'fjord', 'alpen', 'baltic', 'atlas', 'polaris',
        'helios', 'orion', 'nova', 'vega', 'aurora', 'sakura', 'beijing', 'tokyo', 'delta',
        'summit', 'evergreen', 'bluewater', 'redwood', 'silverline', 'ironbridge', 'crescent',
        'harbor', 'pinnacle', 'meridian', 'horizon', 'capek', 'dvorak', 'akesson', 'soderberg',
        'ibanez', 'goncalves'];
    w2 text[] := ARRAY['Logistik', 'Data', 'Foods', 'Trading', 'Software', 'Systems',
        'Consulting', 'Maschinenbau', 'Équipement', 'Energy', 'Pharma', 'Textiles', 'Media',
        'Bau', 'Analytics', 'Robotics', 'Finance', 'Retail', 'Solutions', 'Networks', 'Medical',
        'Automotive', 'Chemie', 'Design', 'Labs', 'Outdoor', 'Marine', 'Print', 'Telecom',
        'Wasser'];
    w2s text[] := ARRAY['logistik', 'data', 'foods', 'trading', 'software', 'systems',
        'consulting', 'maschinenbau', 'equipement', 'energy', 'pharma', 'textiles', 'media',
        'bau', 'analytics', 'robotics', 'finance', 'retail', 'solutions', 'networks', 'medical',
        'automotive', 'chemie', 'design', 'labs', 'outdoor', 'marine', 'print', 'telecom',
        'wasser'];
    ind text[] := ARRAY['Logistics', 'Technology', 'Food & Beverage', 'Wholesale',
        'Technology', 'Technology', 'Professional Services', 'Manufacturing', 'Manufacturing',
        'Energy', 'Healthcare', 'Manufacturing', 'Media', 'Construction', 'Technology',
        'Manufacturing', 'Financial Services', 'Retail', 'Professional Services',
        'Telecommunications', 'Healthcare', 'Automotive', 'Chemicals', 'Media',
        'Healthcare', 'Retail', 'Logistics', 'Media', 'Telecommunications', 'Utilities'];
    lf  text[] := ARRAY['GmbH', 'AG', 'SA', 'SARL', 'SL', 'ApS', 'AB', 'Ltd', 'Inc.', 'LLC',
        'B.V.', 'S.p.A.', 'Sp. z o.o.', 's.r.o.', 'Oy', 'KK'];
    ctry text[] := ARRAY['Germany', 'Switzerland', 'Spain', 'France', 'Spain', 'Denmark',
        'Sweden', 'United Kingdom', 'United States', 'United States', 'Netherlands', 'Italy',
        'Poland', 'Czechia', 'Finland', 'Japan'];
    tld text[] := ARRAY['de', 'ch', 'es', 'fr', 'es', 'dk', 'se', 'co.uk', 'com', 'com', 'nl',
        'it', 'pl', 'cz', 'fi', 'jp'];
    tel text[] := ARRAY['+49', '+41', '+34', '+33', '+34', '+45', '+46', '+44', '+1', '+1',
        '+31', '+39', '+48', '+420', '+358', '+81'];
    -- three cities per legal form, same order as lf
    cities text[] := ARRAY['Berlin', 'München', 'Köln', 'Zürich', 'Genève', 'Basel',
        'Madrid', 'Sevilla', 'A Coruña', 'Paris', 'Lyon', 'Orléans', 'Barcelona', 'València',
        'Málaga', 'København', 'Aarhus', 'Odense', 'Stockholm', 'Göteborg', 'Malmö',
        'London', 'Manchester', 'Edinburgh', 'New York', 'San José', 'Chicago', 'Austin',
        'Seattle', 'Boston', 'Amsterdam', 'Utrecht', 's-Hertogenbosch', 'Milano', 'Torino',
        'Napoli', 'Warszawa', 'Kraków', 'Gdańsk', 'Praha', 'Brno', 'Plzeň', 'Helsinki',
        'Espoo', 'Tampere', '東京', '大阪', 'Yokohama'];

    fn  text[] := ARRAY['Anna', 'Lukas', 'Sofia', 'Jürgen', 'Zoë', 'José', 'Łukasz', 'Chloé',
        'Renée', 'Björn', 'Søren', 'Ingrid', 'Mateo', 'Émilie', 'Hannah', 'Noah', 'Olivia',
        'Liam', 'Yuki', 'Wei', 'Aarav', 'Fatima', 'Kofi', 'Amara', 'Ivan', 'Agnieszka',
        'Siobhán', 'Dmitri', 'Elif', 'Mehmet', 'Nora', 'Jonas'];
    fns text[] := ARRAY['anna', 'lukas', 'sofia', 'juergen', 'zoe', 'jose', 'lukasz', 'chloe',
        'renee', 'bjorn', 'soren', 'ingrid', 'mateo', 'emilie', 'hannah', 'noah', 'olivia',
        'liam', 'yuki', 'wei', 'aarav', 'fatima', 'kofi', 'amara', 'ivan', 'agnieszka',
        'siobhan', 'dmitri', 'elif', 'mehmet', 'nora', 'jonas'];
    ln  text[] := ARRAY['Müller', 'Schmidt', 'Weiß', 'Ångström', 'Núñez', 'Żółć', 'Dubois',
        'O''Brien', 'Rossi', 'Jensen', 'Nielsen', 'Kowalski', 'García', 'Martín', 'Fischer',
        'Becker', 'Novák', 'Dvořák', 'Virtanen', 'Tanaka', 'Chen', 'Patel', 'Okafor', 'Mensah',
        'Ivanova', 'Yılmaz', 'Murphy', 'Smith', 'Johnson', 'van Dijk', 'De Luca', 'Lindqvist',
        'Schäfer', 'Lefèvre', 'Horváth', 'Sørensen', 'Costa'];
    lns text[] := ARRAY['mueller', 'schmidt', 'weiss', 'angstrom', 'nunez', 'zolc', 'dubois',
        'obrien', 'rossi', 'jensen', 'nielsen', 'kowalski', 'garcia', 'martin', 'fischer',
        'becker', 'novak', 'dvorak', 'virtanen', 'tanaka', 'chen', 'patel', 'okafor', 'mensah',
        'ivanova', 'yilmaz', 'murphy', 'smith', 'johnson', 'vandijk', 'deluca', 'lindqvist',
        'schaefer', 'lefevre', 'horvath', 'sorensen', 'costa'];
    titles text[] := ARRAY['CEO', 'CFO', 'CTO', 'Head of Purchasing', 'IT Manager',
        'Office Manager', 'Einkaufsleiterin', 'Operations Lead', 'Marketing Manager',
        'Accountant', 'Project Manager', 'Sales Director', 'Directrice technique'];
    sources text[] := ARRAY['web form', 'trade fair', 'webinar', 'referral', 'partner',
        'cold call', 'newsletter', 'LinkedIn'];
    lstat text[] := ARRAY['new', 'contacted', 'qualified', 'unqualified', 'converted'];
    stages text[] := ARRAY['prospecting', 'qualification', 'proposal', 'negotiation', 'won',
        'lost'];
    deals text[] := ARRAY['Pro plan upgrade',
        'Enterprise licence ' || (extract(year FROM date '2026-11-01' + v_shift) + 1),
        'Onboarding workshop',
        'Add 25 seats', 'Support contract renewal', 'API add-on', 'Data migration project',
        'Training package'];
    subj text[] := ARRAY['Cannot export invoices to PDF', 'Login fails after password reset',
        'Invoice shows wrong VAT rate', 'Umlauts broken in CSV export',
        'Sync with Outlook calendar stops', 'Customer wants the Pro plan',
        'API rate limit too low', 'Dashboard loads slowly', 'Two-factor SMS not arriving',
        'Wrong currency on quote', 'Cannot add more than 5 users', 'Mobile app crashes on start',
        'Need a copy of our contract', 'Data import rejected rows', 'Printer driver missing',
        'Question about GDPR data export', 'Password reset link expired',
        'Report totals do not match', 'Webhook deliveries failing', 'Kündigung: bitte Rückruf'];
    tstat text[] := ARRAY['new', 'open', 'pending', 'solved', 'closed'];
    prio  text[] := ARRAY['low', 'normal', 'normal', 'high', 'urgent'];
    tchan text[] := ARRAY['email', 'phone', 'chat', 'web', 'email'];
    prods text[] := ARRAY['ccrm Basic', 'ccrm Pro', 'ccrm Enterprise', 'Mobile app', 'API'];
    mails text[] := ARRAY[pg_temp.ccrm_demo_season(date '2026-03-01' + v_shift)
                              || ' webinar: what is new in ccrm',
        'Your invitation: Pro plan launch',
        pg_temp.ccrm_demo_season(date '2026-09-01' + v_shift) || ' newsletter',
        'Meet us at the Hannover trade fair', 'Case study: 360° customer view'];
BEGIN
    IF n_accounts IS NULL OR n_accounts < 1 OR n_accounts > 10000000 THEN
        RAISE EXCEPTION 'demo: number of accounts must be between 1 and 10,000,000';
    END IF;
    LOCK TABLE accounts, contacts, leads, opportunities, tickets, interactions, users,
               partner_orgs, account_shares, campaigns, campaign_members, comments, mentions,
               inbox IN EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM accounts) THEN
        RAISE EXCEPTION 'demo data already loaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'The demo needs a database without accounts.';
    END IF;

    ---------------------------------------------------------------- people
    FOR i IN 1 .. array_length(u_login, 1) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u_login[i]) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', u_login[i]);
            PERFORM ccrm_login_defaults(u_login[i], 10);  -- as --add-user does (schema/014)
        END IF;
        IF NOT pg_has_role(u_login[i], 'ccrm_' || u_dept[i], 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', 'ccrm_' || u_dept[i], u_login[i]);
        END IF;
    END LOOP;

    INSERT INTO partner_orgs (name) VALUES ('Nordlicht Reseller GmbH')
    ON CONFLICT (name) DO NOTHING;
    SELECT id INTO v_org FROM partner_orgs WHERE name = 'Nordlicht Reseller GmbH';

    INSERT INTO users (login, display_name, department, partner_org_id, email)
    SELECT v_me, v_me, 'admin', NULL, NULL
     WHERE NOT EXISTS (SELECT 1 FROM users WHERE login = v_me);
    INSERT INTO users (login, display_name, department, partner_org_id, email)
    SELECT u_login[i], u_name[i], u_dept[i],
           CASE WHEN u_dept[i] = 'partner' THEN v_org END,
           u_login[i] || CASE WHEN u_dept[i] = 'partner' THEN '@nordlicht-reseller.de'
                              ELSE '@ccrm.example' END
      FROM generate_series(1, array_length(u_login, 1)) i
     ORDER BY i
    ON CONFLICT (login) DO NOTHING;
    n_user := array_length(u_login, 1);

    -- Big loads skip the per-statement audit/event triggers (and FK checks: the data is
    -- consistent by construction); one summary event is written at the end instead.
    IF v_big THEN
        PERFORM set_config('session_replication_role', 'replica', true);
        PERFORM set_config('maintenance_work_mem', '256MB', true);
        v_defs := pg_temp.ccrm_demo_drop_indexes('accounts');
    END IF;

    ---------------------------------------------------------------- accounts
    ab := pg_temp.ccrm_demo_base('accounts');
    CREATE TEMP TABLE demo_accounts ON COMMIT DROP AS
    SELECT ab + i AS id, x.*,
           'https://www.' || x.domain AS website,
           (x.employees * (60000 + (i * 104729) % 90000))::numeric(14,2) AS annual_revenue,
           coalesce(x.owner, 'ana') AS author
      FROM generate_series(1, v_n) i,
           LATERAL (SELECT (i - 1) % 48 AS a, ((i - 1) / 48) % 30 AS b0,
                           ((i - 1) / 1440) % 16 AS c0, (i - 1) / 23040 AS rep) k0,
           LATERAL (SELECT k0.a, (k0.b0 + 7 * k0.a) % 30 AS b,
                           (k0.c0 + k0.a + k0.b0) % 16 AS c, k0.rep) k,
           LATERAL (SELECT
                w1[k.a + 1] || ' ' || w2[k.b + 1] || ' ' || lf[k.c + 1]
                    || CASE WHEN k.rep > 0 THEN ' ' || (k.rep + 1) ELSE '' END AS name,
                w1s[k.a + 1] || '-' || w2s[k.b + 1]
                    || CASE WHEN k.rep > 0 THEN (k.rep + 1)::text ELSE '' END
                    || '.' || tld[k.c + 1] AS domain,
                ind[k.b + 1] AS industry,
                CASE WHEN i % 23 = 0 THEN NULL ELSE sales[1 + ((i * 7) / 5) % 4] END AS owner,
                tel[k.c + 1] || ' ' || (100 + (i * 7919) % 900) || ' '
                    || lpad(((i * 104729) % 1000000)::text, 6, '0') AS phone,
                cities[k.c * 3 + 1 + (i * 13) % 3] AS city,
                ctry[k.c + 1] AS country,
                (3 + ((i * 7919) % 2500) * (1 + i % 3) / (1 + i % 7))::int AS employees,
                CASE WHEN i % 5 = 0 THEN 'Key account since ' || (2010 + i % 15)
                          || '. ' || ind[k.b + 1] || ', ' || cities[k.c * 3 + 1 + (i * 13) % 3] || '.'
                END AS description) x;
    PERFORM pg_temp.ccrm_demo_move('demo_accounts', 'accounts',
        'id, name, domain, industry, owner, phone, website, city, country, employees, '
        'annual_revenue, description');
    DROP TABLE demo_accounts;
    FOREACH v_def IN ARRAY coalesce(v_defs, '{}') LOOP
        EXECUTE v_def;
    END LOOP;

    -- slot s (1..v_slots) -> the account that carries people and history
    CREATE TEMP TABLE demo_slots ON COMMIT DROP AS
    SELECT s, a.id AS account_id, a.name, a.domain, a.owner, a.country
      FROM generate_series(1, v_slots) s
      JOIN accounts a ON a.id = ab + 1 + ((s - 1) * v_n) / v_slots;
    CREATE INDEX ON demo_slots (s);
    ANALYZE demo_slots;

    ---------------------------------------------------------------- contacts: 3 per slot
    cb := pg_temp.ccrm_demo_base('contacts');
    CREATE TEMP TABLE demo_contacts ON COMMIT DROP AS
    SELECT cb + q AS id, q, sl.s, k, sl.account_id,
           fn[1 + (q * 17 + sl.s) % 32] AS first_name,
           ln[1 + (q * 31) % 37] AS last_name,
           fns[1 + (q * 17 + sl.s) % 32] || '.' || lns[1 + (q * 31) % 37] || '.' || q
               || '@' || sl.domain AS email,
           tel[1 + (sl.s % 16)] || ' ' || (150 + (q * 7) % 850) || ' '
               || lpad(((q * 48271) % 10000000)::text, 7, '0') AS phone,
           titles[1 + (q * 5) % 13] AS title,
           sl.owner,
           coalesce(sl.owner, 'ana') AS author
      FROM demo_slots sl, generate_series(1, 3) k,
           LATERAL (SELECT (sl.s - 1) * 3 + k AS q) qq;
    n_con := pg_temp.ccrm_demo_move('demo_contacts', 'contacts',
        'id, account_id, first_name, last_name, email, phone, title, owner');

    ---------------------------------------------------------------- leads: 1 per slot
    lb := pg_temp.ccrm_demo_base('leads');
    CREATE TEMP TABLE demo_leads ON COMMIT DROP AS
    SELECT lb + sl.s AS id, sl.s, x.*,
           CASE WHEN x.status IN ('qualified', 'converted') AND sl.owner IS NOT NULL
                THEN sl.owner ELSE mkt[1 + sl.s % 3] END AS owner,
           mkt[1 + sl.s % 3] AS author
      FROM demo_slots sl
      JOIN demo_contacts c ON c.s = sl.s AND c.k = 1,
      LATERAL (SELECT
          CASE WHEN sl.s % 3 = 0 THEN fn[1 + (sl.s * 5) % 32] ELSE c.first_name END AS first_name,
          CASE WHEN sl.s % 3 = 0 THEN ln[1 + (sl.s * 11) % 37] ELSE c.last_name END AS last_name,
          CASE WHEN sl.s % 3 = 0
               THEN fns[1 + (sl.s * 5) % 32] || '.' || lns[1 + (sl.s * 11) % 37] || '.l' || sl.s
                    || '@' || lns[1 + (sl.s * 13) % 37] || '-' || w2s[1 + sl.s % 30] || '.com'
               WHEN sl.s % 6 = 2   -- same person, different letter case: matched by lower(email)
               THEN initcap(split_part(c.email, '@', 1)) || '@' || upper(split_part(c.email, '@', 2))
               ELSE c.email END AS email,
          CASE WHEN sl.s % 3 = 0 THEN ln[1 + (sl.s * 13) % 37] || ' ' || w2[1 + sl.s % 30]
               ELSE sl.name END AS company,
          sources[1 + (sl.s * 3) % 8] AS source,
          CASE WHEN sl.s % 3 = 1 THEN (ARRAY['qualified', 'converted', 'contacted'])[1 + (sl.s / 3) % 3]
               WHEN sl.s % 3 = 2 THEN (ARRAY['new', 'contacted', 'qualified'])[1 + (sl.s / 3) % 3]
               ELSE lstat[1 + (sl.s / 3) % 5] END AS status,
          ((sl.s * 37) % 101)::int AS score,
          CASE WHEN sl.s % 3 = 1 THEN c.id END AS contact_id,
          CASE WHEN sl.s % 3 = 1 THEN sl.account_id END AS account_id) x;
    n_lead := pg_temp.ccrm_demo_move('demo_leads', 'leads',
        'id, first_name, last_name, email, company, source, status, score, owner, contact_id, '
        'account_id');

    ---------------------------------------------------------------- opportunities: 3 of 4 slots
    ob := pg_temp.ccrm_demo_base('opportunities');
    CREATE TEMP TABLE demo_opps ON COMMIT DROP AS
    SELECT ob + sl.s - sl.s / 4 AS id, sl.s, sl.account_id,
           sl.name || ' – ' || deals[1 + (sl.s * 5) % 8] AS name,
           stages[1 + (sl.s * 7) % 6] AS stage,
           (1000 * (1 + (sl.s * 7919) % 250))::numeric(14,2) AS amount,
           CASE WHEN sl.country = 'United States' THEN 'USD'
                WHEN sl.country = 'United Kingdom' THEN 'GBP'
                WHEN sl.country = 'Switzerland' THEN 'CHF' ELSE 'EUR' END AS currency,
           -- an open deal's expected close, up to three months ahead; a won or lost deal's is
           -- the day it closed, which has come (ccrm_rule_deal_won refuses one still ahead, in
           -- the day as it counts it): that day if it has, else one of the four weeks before
           CASE WHEN stages[1 + (sl.s * 7) % 6] IN ('won', 'lost')
                     AND v_d0 + ((sl.s * 13) % 150 - 45)::int > ccrm_local(now())::date
                THEN ccrm_local(now())::date - ((sl.s * 17) % 28)::int
                -- an open deal's expected day counts from the day of the load, not from t0:
                -- the pipeline expects most deals ahead
                WHEN stages[1 + (sl.s * 7) % 6] NOT IN ('won', 'lost')
                THEN ccrm_local(now())::date + ((sl.s * 13) % 150 - 45)::int
                ELSE v_d0 + ((sl.s * 13) % 150 - 45)::int END AS close_date,
           coalesce(sl.owner, sales[1 + sl.s % 4]) AS owner,
           coalesce(sl.owner, sales[1 + sl.s % 4]) AS author
      FROM demo_slots sl
     WHERE sl.s % 4 <> 0;
    n_opp := pg_temp.ccrm_demo_move('demo_opps', 'opportunities',
        'id, account_id, name, stage, amount, currency, close_date, owner');

    ---------------------------------------------------------------- tickets: every 2nd slot
    tb := pg_temp.ccrm_demo_base('tickets');
    CREATE TEMP TABLE demo_tickets ON COMMIT DROP AS
    SELECT tb + (sl.s + 1) / 2 AS id, sl.s, sl.account_id, c.id AS contact_id,
           subj[1 + (sl.s * 11) % 20] AS subject,
           'Hello,' || chr(10) || chr(10) || subj[1 + (sl.s * 11) % 20] || ' since '
               || to_char(v_t0 - (15 + (sl.s * 11) % 29) * interval '1 day', 'FMDD Mon')
               || '. Could you please have a look?' || chr(10) || chr(10)
               || 'Best regards,' || chr(10) || c.first_name || ' ' || c.last_name
               || chr(10) || sl.name AS body,
           tstat[1 + (sl.s * 3) % 5] AS status,
           prio[1 + (sl.s * 7) % 5] AS priority,
           CASE WHEN (sl.account_id - ab) % 25 = 0 THEN 'partner'
                ELSE tchan[1 + (sl.s / 2) % 5] END AS channel,
           support[1 + (sl.s / 2) % 4] AS assignee,
           prods[1 + (sl.s * 3) % 5] AS product,
           support[1 + (sl.s / 2) % 4] AS author,
           -- when the customer wrote in (their first message, below): the ticket is no
           -- younger than the mails about it
           v_t0 - (15 + (sl.s * 11) % 29) * interval '1 day' - ((sl.s * 29) % 480) * interval '1 minute'
               AS created_at
      FROM demo_slots sl
      JOIN demo_contacts c ON c.s = sl.s AND c.k = CASE WHEN sl.s % 5 = 0 THEN 2 ELSE 1 END
     WHERE sl.s % 2 = 1;
    -- (created_at is kept as given only in a big load, written without the triggers; a small
    -- load stamps it again at the end, with the other records' times)
    n_tic := pg_temp.ccrm_demo_move('demo_tickets', 'tickets',
        'id, account_id, contact_id, subject, body, status, priority, channel, assignee, product, '
        'created_at');

    ---------------------------------------------------------------- interactions
    -- marketing mails 45-88 days ago, support 15-43 days ago, sales in the last 14 days
    ib := pg_temp.ccrm_demo_base('interactions');
    CREATE TEMP TABLE demo_ix ON COMMIT DROP AS
    SELECT ib + row_number() OVER (ORDER BY x.at, x.s, x.kind, x.subject) AS id, x.*
      FROM (
        -- marketing: a campaign mail to every lead
        SELECT l.s, 'email'::text AS kind, 'email'::text AS channel, 'out'::text AS direction,
               mails[1 + l.s % 5] AS subject, NULL::text AS body,
               v_t0 - (45 + (l.s * 7) % 44) * interval '1 day' + ((l.s * 37) % 480) * interval '1 minute' AS at,
               NULL::timestamptz AS due_at, NULL::timestamptz AS done_at,
               coalesce(l.account_id, CASE WHEN l.s % 3 = 2 THEN sl.account_id END) AS account_id,
               CASE WHEN l.s % 3 <> 0 THEN c.id END AS contact_id,
               l.id AS lead_id, NULL::bigint AS opportunity_id, NULL::bigint AS ticket_id,
               l.author
          FROM demo_leads l JOIN demo_slots sl ON sl.s = l.s
          JOIN demo_contacts c ON c.s = l.s AND c.k = 1
        UNION ALL
        -- marketing: some leads answer
        SELECT l.s, 'email', 'email', 'in', 'Re: ' || mails[1 + l.s % 5],
               'Sounds interesting — please send me the details for ' || coalesce(l.company, 'us') || '.',
               v_t0 - (43 + (l.s * 7) % 44) * interval '1 day' + ((l.s * 53) % 600) * interval '1 minute',
               NULL, NULL,
               coalesce(l.account_id, CASE WHEN l.s % 3 = 2 THEN sl.account_id END),
               CASE WHEN l.s % 3 <> 0 THEN c.id END, l.id, NULL, NULL, l.author
          FROM demo_leads l JOIN demo_slots sl ON sl.s = l.s
          JOIN demo_contacts c ON c.s = l.s AND c.k = 1
         WHERE l.s % 2 = 0
        UNION ALL
        -- support: the customer's first message on every ticket
        SELECT t.s, CASE t.channel WHEN 'phone' THEN 'call' WHEN 'chat' THEN 'chat' ELSE 'email' END,
               t.channel, 'in', t.subject, left(t.body, 200),
               t.created_at, NULL, NULL, t.account_id, t.contact_id, NULL, NULL, t.id, t.author
          FROM demo_tickets t
        UNION ALL
        -- support: the assignee's answer
        SELECT t.s, CASE WHEN t.s % 3 = 0 THEN 'call' ELSE 'email' END,
               CASE WHEN t.s % 3 = 0 THEN 'phone' ELSE 'email' END, 'out',
               'Re: ' || t.subject,
               CASE WHEN t.status IN ('solved', 'closed') THEN 'Fixed in the latest release, please update.'
                    ELSE 'Thanks, we are looking into it and will get back to you.' END,
               v_t0 - (15 + (t.s * 11) % 29) * interval '1 day' + ((t.s * 17) % 480 + 30) * interval '1 minute',
               NULL, NULL, t.account_id, t.contact_id, NULL, NULL, t.id, t.author
          FROM demo_tickets t
        UNION ALL
        -- sales: a meeting (on site or video) on every deal
        SELECT o.s, 'meeting', CASE WHEN o.s % 3 = 0 THEN 'video' ELSE 'in_person' END, NULL,
               (ARRAY['Discovery meeting', 'Demo', 'Pricing discussion', 'Contract review'])[1 + o.s % 4],
               'Discussed ' || lower(split_part(o.name, ' – ', 2)) || ' with ' || c.first_name || '.',
               v_t0 - (1 + (o.s * 13) % 14) * interval '1 day' + ((o.s * 41) % 420) * interval '1 minute',
               NULL, NULL, o.account_id, c.id, NULL, o.id, NULL, o.author
          FROM demo_opps o JOIN demo_contacts c ON c.s = o.s AND c.k = 1
        UNION ALL
        -- sales: a follow-up task, two thirds done (due around when it was done); the open
        -- ones fall due around the day of the load, a few of them a day or two overdue
        SELECT o.s, 'task', NULL, NULL,
               (ARRAY['Send proposal', 'Prepare quote', 'Call back about pricing'])[1 + o.s % 3],
               NULL,
               v_t0 - ((o.s * 13) % 14) * interval '1 day',
               CASE WHEN o.s % 3 <> 0 THEN v_t0 + ((o.s % 10) - 3) * interval '1 day'
                    ELSE v_day0 + (ARRAY[-2, 1, 3, -1, 2, 6, 5, 8, 4, 12])[1 + (o.s / 3) % 10]
                                  * interval '1 day'
                                + (9 + (o.s / 3) % 8) * interval '1 hour' END,
               CASE WHEN o.s % 3 <> 0 THEN v_t0 - ((o.s * 13) % 14) * interval '1 day' + interval '3 hours' END,
               o.account_id, NULL, NULL, o.id, NULL, o.author
          FROM demo_opps o
        UNION ALL
        -- sales: a quick chat with the contact on open deals
        SELECT o.s, 'chat', 'chat', 'out', 'Quick question about ' || lower(split_part(o.name, ' – ', 2)), NULL,
               v_t0 - ((o.s * 5) % 10) * interval '1 day' + ((o.s * 7) % 300) * interval '1 minute',
               NULL, NULL, o.account_id, c.id, NULL, o.id, NULL, o.author
          FROM demo_opps o JOIN demo_contacts c ON c.s = o.s AND c.k = 2
         WHERE o.stage NOT IN ('won', 'lost') AND o.s % 2 = 1
        UNION ALL
        -- management: account reviews
        SELECT sl.s, 'note', NULL, NULL, 'Quarterly account review',
               'Strategic account; keep sales and support aligned on renewals.',
               v_t0 - ((sl.s * 3) % 90) * interval '1 day', NULL, NULL,
               sl.account_id, NULL, NULL, NULL, NULL, mgmt[1 + (sl.s / 10) % 2]
          FROM demo_slots sl
         WHERE sl.s % 10 = 0
      ) x;
    n_int := pg_temp.ccrm_demo_move('demo_ix', 'interactions',
        'id, kind, channel, direction, subject, body, at, due_at, done_at, account_id, '
        'contact_id, lead_id, opportunity_id, ticket_id');

    ---------------------------------------------------------------- partner shares
    PERFORM set_config('role', 'ana', true);
    INSERT INTO account_shares (account_id, partner_org_id)
    SELECT a, v_org
      FROM generate_series(ab + 25, ab + least(v_n, 50000), 25) a
     ORDER BY a;
    GET DIAGNOSTICS n_share = ROW_COUNT;
    PERFORM set_config('role', v_role, true);

    ---------------------------------------------------------------- campaigns and members
    PERFORM set_config('role', 'marco', true);
    -- (their status is what their dates say of today: set at the end of the marketing section)
    INSERT INTO campaigns (name, status, starts_on, ends_on, budget, owner) VALUES
        (v_webinar, 'completed', date '2026-03-01' + v_shift, date '2026-04-15' + v_shift, 12000,
         'marco'),
        ('Pro Plan Launch', 'active', date '2026-08-15' + v_shift, date '2026-12-15' + v_shift,
         45000, 'marco'),
        (v_letter, 'active', date '2026-09-01' + v_shift, date '2026-11-30' + v_shift, 3500,
         'chloe'),
        (v_fair, 'planned', date '2027-04-20' + v_shift, date '2027-04-24' + v_shift, 80000,
         'renee');
    GET DIAGNOSTICS n_camp = ROW_COUNT;
    INSERT INTO campaign_members (campaign_id, lead_id, status)
    SELECT cp.id, l.id,
           (ARRAY['sent', 'opened', 'clicked', 'responded', 'converted', 'unsubscribed',
                  'opened', 'sent'])[1 + (l.s * 7) % 8]
      FROM demo_leads l
      JOIN campaigns cp ON cp.name = CASE WHEN l.s % 5 IN (0, 1) THEN 'Pro Plan Launch'
                                          ELSE v_webinar END
     WHERE l.s % 5 IN (0, 1, 2)
     ORDER BY l.id;
    GET DIAGNOSTICS n_mem = ROW_COUNT;
    INSERT INTO campaign_members (campaign_id, contact_id, status)
    SELECT cp.id, c.id, (ARRAY['sent', 'opened', 'clicked', 'sent', 'unsubscribed'])[1 + (c.q * 3) % 5]
      FROM demo_contacts c
      JOIN campaigns cp ON cp.name = v_letter
     WHERE c.q % 7 = 0
     ORDER BY c.id;
    GET DIAGNOSTICS n_com = ROW_COUNT;
    n_mem := n_mem + n_com;
    PERFORM set_config('role', v_role, true);

    ---------------------------------------------------------------- comments, mentions, inbox
    -- a hand-off story on the first few tickets: support -> marketing -> sales
    n_com := 0;
    FOR r IN SELECT t.id, t.s, t.author, t.subject, t.account_id FROM demo_tickets t
              ORDER BY t.s LIMIT 6 LOOP
        PERFORM set_config('role', r.author, true);
        -- the comments' @mentions reach the inbox by the comment trigger (schema/006, 014);
        -- hand-offs are written as their sender, through the one door inbox entries have
        INSERT INTO comments (entity, entity_id, body, author)
        VALUES ('tickets', r.id,
                'Customer wants the Pro plan — @marco can you follow up? (' || r.subject || ')',
                r.author);
        PERFORM ccrm_inbox_put('marco', 'handoff', 'tickets', r.id,
                               'support → marketing: customer wants the Pro plan');
        PERFORM set_config('role', 'marco', true);
        INSERT INTO comments (entity, entity_id, body, author)
        VALUES ('accounts', r.account_id,
                'Sent the Pro plan offer. @sam please take over the deal — budget is approved.',
                'marco');
        PERFORM ccrm_inbox_put('sam', 'handoff', 'accounts', r.account_id,
                               'marketing → sales: Pro plan offer sent, budget approved');
        -- sam read some of them: after they came (now(), the load's), not at t0 weeks before
        IF r.s % 4 = 1 THEN
            PERFORM set_config('role', 'sam', true);
            UPDATE inbox SET read_at = clock_timestamp()
             WHERE login = 'sam' AND entity = 'accounts' AND entity_id = r.account_id;
        END IF;
        n_com := n_com + 2;
    END LOOP;
    PERFORM set_config('role', v_role, true);

    ---------------------------------------------------------------- back office (issue 18)
    -- Products, quotes and invoices in every state, written by the people whose work it is:
    -- sales keeps the catalogue and makes the quotes, billing issues the invoices and records
    -- the payments. Dates here are relative to today, not to v_t0: "overdue" and "valid until"
    -- are judged against today, so every state shows whenever the demo is loaded. Up to 14
    -- deals of the first slots get a quote each, in this order of states: draft, sent,
    -- rejected, expired, revised (revision 2 accepted, invoice still a draft), then accepted
    -- and invoiced: overdue, overdue and partly paid, paid in two parts, cancelled by a credit
    -- note, corrected in part and paid, partly paid, issued, paid, and a draft invoice.
    IF v_big THEN   -- the rules are triggers: they must run here
        PERFORM set_config('session_replication_role', v_srr, true);
    END IF;
    PERFORM set_config('role', 'sam', true);
    INSERT INTO products (sku, name, description, unit, unit_price, currency, tax_rate) VALUES
        ('CCRM-BAS', 'ccrm Basic seat', 'One user, contacts, deals and tickets', 'month', 9.90, 'EUR', 19),
        ('CCRM-PRO', 'ccrm Pro seat', 'One user, everything in Basic, campaigns and the API', 'month', 29.90, 'EUR', 19),
        ('CCRM-ENT', 'ccrm Enterprise seat', 'One user, everything in Pro, partners and audit', 'month', 59.00, 'EUR', 19),
        ('ONB-WS', 'Onboarding workshop', 'On site, up to 12 people', 'day', 1200.00, 'EUR', 19),
        ('API-ADD', 'API add-on', 'Higher rate limits and webhooks', 'month', 99.00, 'EUR', 19),
        ('MIG-H', 'Data migration', 'Import and clean-up of existing data', 'hour', 140.00, 'EUR', 19),
        ('TRN-PKG', 'Training package', 'Five online sessions', 'piece', 450.00, 'EUR', 19),
        ('HB-DE', 'Handbuch „ccrm für Einsteiger“', 'Printed handbook', 'piece', 24.90, 'EUR', 7);
    GET DIAGNOSTICS n_prod = ROW_COUNT;
    PERFORM set_config('role', 'bea', true);
    INSERT INTO product_prices (product_id, currency, unit_price)
    SELECT p.id, c.code, round(p.unit_price * c.f, 2)
      FROM products p,
           (VALUES ('USD', 1.10), ('GBP', 0.86), ('CHF', 0.95)) c(code, f)
     WHERE p.sku IN ('CCRM-BAS', 'CCRM-PRO', 'CCRM-ENT', 'ONB-WS', 'API-ADD', 'MIG-H', 'TRN-PKG',
                     'HB-DE')
     ORDER BY p.id, c.code;
    INSERT INTO product_prices (product_id, currency, unit_price)
    SELECT p.id, 'JPY', round(p.unit_price * 162, 0) FROM products p
     WHERE p.sku IN ('CCRM-PRO', 'ONB-WS') ORDER BY p.id;

    FOR r IN SELECT o.id, o.s, o.account_id, o.name, o.currency, o.owner, c.id AS contact_id
               FROM demo_opps o JOIN demo_contacts c ON c.s = o.s AND c.k = 1
              WHERE o.currency IN (SELECT code FROM currencies)
              ORDER BY o.s LIMIT 14 LOOP
        v_k := v_k + 1;
        v_quoted := v_quoted || r.id;
        PERFORM set_config('role', r.owner, true);
        INSERT INTO quotes (opportunity_id, contact_id, title, currency, valid_until, owner)
        VALUES (r.id, r.contact_id, split_part(r.name, ' – ', 2), r.currency,
                current_date + 30, r.owner)
        RETURNING id INTO v_q;
        INSERT INTO quote_lines (quote_id, product_id, quantity, discount_pct)
        SELECT v_q, p.id, x.qty, x.disc
          FROM (VALUES (1, 'CCRM-PRO', 5 + r.s % 20, (r.s % 3) * 5),
                       (2, CASE WHEN r.s % 2 = 0 THEN 'ONB-WS' ELSE 'TRN-PKG' END, 1 + r.s % 2, 0),
                       (3, CASE WHEN r.s % 3 = 0 THEN 'API-ADD' ELSE 'MIG-H' END, 2 + r.s % 9, 0),
                       (4, 'HB-DE', 1 + r.s % 4, 0)) x(n, sku, qty, disc)
          JOIN products p ON p.sku = x.sku
         ORDER BY x.n;
        IF v_k = 1 THEN
            CONTINUE;                                        -- a draft
        END IF;
        UPDATE quotes SET status = 'sent' WHERE id = v_q;
        IF v_k = 2 THEN
            CONTINUE;                                        -- sent, waiting for the customer
        ELSIF v_k = 3 THEN
            UPDATE quotes SET status = 'rejected' WHERE id = v_q;
            CONTINUE;
        ELSIF v_k = 4 THEN
            UPDATE quotes SET status = 'expired' WHERE id = v_q;
            CONTINUE;
        ELSIF v_k = 5 THEN                                   -- revised: 10% off, accepted
            v_q2 := ccrm_quote_revise(v_q);
            UPDATE quote_lines SET discount_pct = 10 WHERE quote_id = v_q2;
            UPDATE quotes SET status = 'sent' WHERE id = v_q2;
            UPDATE quotes SET status = 'accepted' WHERE id = v_q2;
            PERFORM ccrm_invoice_from_quote(v_q2);           -- sales drafts the invoice
            CONTINUE;
        END IF;
        UPDATE quotes SET status = 'accepted' WHERE id = v_q;
        PERFORM set_config('role', CASE WHEN v_k % 2 = 0 THEN 'bea' ELSE 'finn' END, true);
        v_inv := ccrm_invoice_from_quote(v_q);
        UPDATE invoices SET buyer_reference = 'PO-' || (4700 + r.s) WHERE id = v_inv;
        IF v_k < 14 THEN
            v_issue := v_issue || v_inv;
            v_day := v_day || (ARRAY[60, 50, 45, 40, 30, 20, 10, 2])[v_k - 5];
        END IF;
    END LOOP;
    -- a partner's customer: the first deal on a shared account gets an accepted quote and an
    -- invoice, issued and paid in part (paul of Nordlicht Reseller sees it, nothing else)
    FOR r IN SELECT o.id, o.s, o.name, o.currency, o.owner, c.id AS contact_id
               FROM demo_opps o JOIN demo_contacts c ON c.s = o.s AND c.k = 1
              WHERE o.currency IN (SELECT code FROM currencies)
                AND o.account_id IN (SELECT s.account_id FROM account_shares s)
                AND o.id <> ALL (v_quoted)  -- (at some scales one of those above)
              ORDER BY o.s LIMIT 1 LOOP
        PERFORM set_config('role', r.owner, true);
        INSERT INTO quotes (opportunity_id, contact_id, title, currency, owner)
        VALUES (r.id, r.contact_id, split_part(r.name, ' – ', 2) || ' (via partner)', r.currency,
                r.owner)
        RETURNING id INTO v_q;
        INSERT INTO quote_lines (quote_id, product_id, quantity)
        SELECT v_q, p.id, 12 FROM products p WHERE p.sku = 'CCRM-ENT';
        UPDATE quotes SET status = 'sent' WHERE id = v_q;
        UPDATE quotes SET status = 'accepted' WHERE id = v_q;
        PERFORM set_config('role', 'finn', true);
        v_inv := ccrm_invoice_from_quote(v_q);
        v_issue := v_issue || v_inv;
        v_day := v_day || 15;
    END LOOP;
    -- issue in date order (numbers and dates go up together), then payments and corrections
    PERFORM set_config('role', 'bea', true);
    FOR r IN SELECT i.id, i.d FROM unnest(v_issue, v_day) i(id, d) ORDER BY i.d DESC, i.id LOOP
        PERFORM ccrm_invoice_issue(r.id, current_date - r.d);
    END LOOP;
    FOR r IN SELECT i.id, i.d, v.gross_total AS g, ccrm_minor_units(v.currency) AS m
               FROM unnest(v_issue, v_day) i(id, d) JOIN invoices v ON v.id = i.id
              ORDER BY i.d DESC LOOP
        IF r.d = 50 OR r.d = 20 OR r.d = 15 THEN             -- partly paid
            INSERT INTO payments (invoice_id, amount, paid_on, reference)
            VALUES (r.id, round(r.g / 3, r.m), current_date - r.d + 12, 'first instalment');
        ELSIF r.d = 45 OR r.d = 2 THEN                       -- paid (in two parts)
            INSERT INTO payments (invoice_id, amount, paid_on, method, reference)
            VALUES (r.id, round(r.g / 2, r.m), current_date - r.d / 2, 'transfer', 'part 1');
            INSERT INTO payments (invoice_id, amount, paid_on, method, reference)
            VALUES (r.id, r.g - round(r.g / 2, r.m), current_date - r.d / 2 + 1, 'direct_debit',
                    'part 2');
        ELSIF r.d = 40 THEN                                  -- cancelled by a credit note
            v_cn := ccrm_credit_note(r.id, 'Order cancelled by the customer');
            PERFORM ccrm_invoice_issue(v_cn, current_date - 35);
        ELSIF r.d = 30 THEN                                  -- corrected in part, then paid
            v_cn := ccrm_credit_note(r.id, 'Handbooks not delivered');
            PERFORM ccrm_delete('invoice_lines',
                                ARRAY(SELECT l.id FROM invoice_lines l
                                       WHERE l.invoice_id = v_cn AND l.sku IS DISTINCT FROM 'HB-DE'));
            PERFORM ccrm_invoice_issue(v_cn, current_date - 25);
            INSERT INTO payments (invoice_id, amount, paid_on, reference)
            SELECT r.id, v.gross_total - v.credited_total, current_date - 5, 'after correction'
              FROM invoices v WHERE v.id = r.id;
        END IF;
    END LOOP;
    PERFORM set_config('role', v_role, true);
    SELECT count(*) INTO n_quote FROM quotes;
    SELECT count(*) INTO n_inv FROM invoices;
    ---------------------------------------------------------------- mail (docs/mail.md)
    -- Two queues (admin's), and mail conversations on the first tickets and some leads: the
    -- customer writes in (stored by the rules of live delivery, threaded by the ticket's
    -- [#N] tag), support answers (sent), the customer answers back (threaded by References);
    -- one mail carries a PDF. Times are the demo's, as for an imported history.
    PERFORM set_config('role', 'ana', true);
    INSERT INTO mail_queues (name, address, from_name, reply_to, creates, unknown_sender,
                             assignee, reply_token)
    VALUES ('support', 'support@ccrm.example', 'ccrm Support', NULL, 'ticket', 'contact',
            NULL, true),
           ('sales', 'sales@ccrm.example', 'ccrm Sales', NULL, 'lead', 'lead', 'sam', false);
    PERFORM set_config('role', v_role, true);
    FOR r IN SELECT t.id, t.s, t.subject, t.author, t.account_id, t.contact_id,
                    c.email, c.first_name, c.last_name
               FROM demo_tickets t JOIN contacts c ON c.id = t.contact_id
              WHERE c.email IS NOT NULL
              ORDER BY t.s LIMIT 12 LOOP
        v_mid := format('demo.%s.1@%s', r.id, split_part(r.email, '@', 2));
        PERFORM 1 FROM ccrm_mail_store(
            'support', v_mid, r.email, r.first_name || ' ' || r.last_name,
            r.subject || format(' [#%s]', r.id),
            'Hello,' || chr(10) || chr(10) || 'any news on this? ' || r.subject || '.'
                || chr(10) || chr(10) || 'Best regards,' || chr(10) || r.first_name,
            v_t0 - (3 + r.s % 5) * interval '1 day', NULL, NULL, NULL, 'support@ccrm.example',
            NULL, ARRAY['support@ccrm.example'], NULL,
            CASE WHEN r.s % 4 = 1 THEN ARRAY['screenshot-' || r.id || '.pdf'] END,
            CASE WHEN r.s % 4 = 1 THEN ARRAY['application/pdf'] END,
            CASE WHEN r.s % 4 = 1 THEN ARRAY[octet_length(convert_to(
                '%PDF-1.4 demo screenshot of ticket ' || r.id, 'UTF8'))::bigint] END,
            CASE WHEN r.s % 4 = 1 THEN ARRAY[convert_to(
                '%PDF-1.4 demo screenshot of ticket ' || r.id, 'UTF8')] END,
            false);
        -- support answers: sent, on the timeline in the agent's name
        PERFORM set_config('role', r.author, true);
        INSERT INTO interactions (kind, channel, direction, subject, body, at, account_id,
                                  contact_id, ticket_id)
        VALUES ('email', 'email', 'out', 'Re: ' || r.subject || format(' [#%s]', r.id),
                'Hello ' || r.first_name || ',' || chr(10) || chr(10)
                    || 'thank you, we are on it and will write again tomorrow.',
                v_t0 - (2 + r.s % 5) * interval '1 day', r.account_id, r.contact_id, r.id)
        RETURNING id INTO v_ix;
        v_prev := v_mid;
        v_mid := format('demo.%s.2@ccrm.example', r.id);
        INSERT INTO messages (message_id, queue_id, direction, status, in_reply_to,
                              "references", from_addr, from_name, reply_to, to_addr, subject,
                              body_text, sent_at, received_at, attempts, ticket_id, contact_id,
                              account_id, interaction_id)
        SELECT v_mid, q.id, 'out', 'queued', v_prev, ARRAY[v_prev], lower(q.address), q.from_name,
               'support+t' || r.id || '@ccrm.example',
               ccrm_mail_format_addr(r.first_name || ' ' || r.last_name, r.email),
               'Re: ' || r.subject || format(' [#%s]', r.id),
               'Hello ' || r.first_name || ',' || chr(10) || chr(10)
                   || 'thank you, we are on it and will write again tomorrow.',
               NULL, v_t0 - (2 + r.s % 5) * interval '1 day',
               0, r.id, r.contact_id, r.account_id, v_ix
          FROM mail_queues q WHERE q.name = 'support';
        PERFORM set_config('role', v_role, true);
        -- queued as any answer starts (ccrm_mail_out_rule), then through the outbox's steps
        UPDATE messages SET status = 'sending' WHERE message_id = v_mid;
        UPDATE messages SET status = 'sent', attempts = 1, next_attempt_at = NULL,
                            sent_at = v_t0 - (2 + r.s % 5) * interval '1 day'
         WHERE message_id = v_mid;
        -- and every second customer writes back
        IF r.s % 4 = 1 THEN
            PERFORM 1 FROM ccrm_mail_store(
                'support', format('demo.%s.3@%s', r.id, split_part(r.email, '@', 2)), r.email,
                r.first_name || ' ' || r.last_name, 'Re: Re: ' || r.subject,
                'Thanks, that would be great.' || chr(10) || chr(10) || '> thank you, we are '
                    || 'on it and will write again tomorrow.',
                v_t0 - (1 + r.s % 5) * interval '1 day', v_mid, ARRAY[v_prev, v_mid], NULL,
                'support+t' || r.id || '@ccrm.example', NULL,
                ARRAY['support+t' || r.id || '@ccrm.example'], NULL, NULL, NULL, NULL, NULL,
                false);
            n_mail := n_mail + 1;
        END IF;
        n_mail := n_mail + 2;
    END LOOP;
    -- prospects write to sales: their mail lands on their lead
    FOR r IN SELECT l.id, l.s, l.email, l.first_name, l.last_name, l.company
               FROM demo_leads l
              WHERE l.email IS NOT NULL AND l.status IN ('new', 'contacted', 'qualified')
              ORDER BY l.s LIMIT 6 LOOP
        PERFORM 1 FROM ccrm_mail_store(
            'sales', format('demo.lead.%s@%s', r.id, split_part(r.email, '@', 2)), r.email,
            concat_ws(' ', r.first_name, r.last_name), 'Pricing for ' || coalesce(r.company, 'us'),
            'Hello,' || chr(10) || chr(10) || 'could you send us your prices for 25 users?'
                || chr(10) || chr(10) || 'Regards',
            v_t0 - (1 + r.s % 6) * interval '1 day', NULL, NULL, NULL, 'sales@ccrm.example', NULL,
            ARRAY['sales@ccrm.example'], NULL, NULL, NULL, NULL, NULL, false);
        n_mail := n_mail + 1;
    END LOOP;
    PERFORM set_config('role', v_role, true);

    ---------------------------------------------------------------- marketing (issue 19)
    -- From support's feedback to marketing's campaign (schema 021): interests learned in
    -- tickets, calls and by hand; saved segments; campaigns with a channel, members added
    -- from a segment, responses; opt-outs; and a few likely duplicates for the Duplicates
    -- view. Each step is written by the department that would do it, through the same
    -- functions the client calls. Small and bounded at every scale; in a big load the rules'
    -- triggers are switched back on for it (they keep opted-out people out of campaigns).
    IF v_big THEN
        PERFORM set_config('session_replication_role', v_srr, true);
    END IF;
    -- support hears what customers want in their tickets: an interest in the ticket's product
    FOR r IN SELECT t.id, t.contact_id, t.product, t.author FROM demo_tickets t
              WHERE t.product IS NOT NULL AND t.contact_id IS NOT NULL
              ORDER BY t.s LIMIT 120 LOOP
        PERFORM set_config('role', r.author, true);
        PERFORM ccrm_interest_add('contacts', r.contact_id, r.product, NULL, 'ticket', 'tickets',
                                  r.id, 'came up in the ticket');
    END LOOP;
    -- sales learns it in meetings; marketing records topics by hand on leads
    FOR r IN SELECT i.id, i.contact_id, i.author,
                    (ARRAY['ccrm Enterprise', 'API', 'ccrm Pro'])[1 + i.s % 3] AS product
               FROM demo_ix i
              WHERE i.kind = 'meeting' AND i.contact_id IS NOT NULL
              ORDER BY i.id LIMIT 60 LOOP
        PERFORM set_config('role', r.author, true);
        PERFORM ccrm_interest_add('contacts', r.contact_id, r.product, NULL, 'meeting',
                                  'interactions', r.id, 'said so in the meeting');
    END LOOP;
    PERFORM set_config('role', 'chloe', true);
    FOR r IN SELECT l.id, l.s FROM demo_leads l ORDER BY l.s LIMIT 40 LOOP
        PERFORM ccrm_interest_add('leads', r.id, NULL,
                                  (ARRAY['GDPR webinar', 'Hannover trade fair', 'case studies'])[1 + r.s % 3],
                                  'hand', NULL, NULL, 'asked at the booth');
    END LOOP;
    SELECT count(*) INTO n_intr FROM interests;

    -- campaigns: the trade fair is an event; a new e-mail campaign for the Pro plan interest
    PERFORM set_config('role', 'marco', true);
    UPDATE campaigns SET channel = 'event' WHERE name = v_fair;
    INSERT INTO segments (name, description, definition, owner) VALUES
        ('Interested in ccrm Pro', 'anyone support, sales or marketing heard asking about Pro',
         '{"entity": "people", "rules": [{"interest": {"product": "ccrm Pro"}}]}', 'marco'),
        ('API tickets, last 90 days', 'opened a ticket about the API in the last 90 days',
         '{"entity": "contacts", "rules": [{"ticket": {"product": "API", "within_days": 90}}]}',
         'marco'),
        ('German manufacturers', 'contacts at manufacturing accounts in Germany',
         '{"entity": "contacts", "rules": [{"account": {"field": "country", "op": "eq", "value": "Germany"}},
                                           {"account": {"field": "industry", "op": "eq", "value": "Manufacturing"}}]}',
         'marco'),
        ('Open deals, no Pro interest yet', 'people at accounts with an open deal who never asked about Pro',
         '{"entity": "contacts", "match": "all", "rules": [{"deal": {"open": true}},
                                                           {"not": {"interest": {"product": "ccrm Pro"}}}]}',
         'renee');
    INSERT INTO campaigns (name, status, starts_on, ends_on, budget, owner, channel)
    VALUES (v_upsell, 'active', date '2026-10-01' + v_shift, date '2026-12-31' + v_shift, 8000,
            'marco', 'email')
    RETURNING id INTO v_camp;
    -- what unsubscribed before there were consents opted out of e-mail; support takes a
    -- "do not call me" on the phone
    PERFORM ccrm_consents_from_unsubscribed();
    PERFORM set_config('role', 'sofia', true);
    FOR r IN SELECT t.contact_id FROM demo_tickets t WHERE t.contact_id IS NOT NULL
              ORDER BY t.s LIMIT 3 LOOP
        PERFORM ccrm_consent_set('contacts', r.contact_id, 'email', true, 'ticket',
                                 'no newsletters please');
    END LOOP;
    SELECT count(*) INTO n_opt FROM consents WHERE opted_out_at IS NOT NULL;
    PERFORM set_config('role', 'marco', true);
    SELECT id INTO v_seg FROM segments WHERE name = 'Interested in ccrm Pro';
    PERFORM ccrm_campaign_add_segment(v_camp, v_seg);
    -- responses, as a mailing tool reports them: the funnel of every member's status; the
    -- Pro plan mail went out to everyone just added from the segment (unsent until then)
    INSERT INTO campaign_responses (campaign_id, contact_id, lead_id, status, at)
    SELECT m.campaign_id, m.contact_id, m.lead_id, st.status,
           coalesce(cp.starts_on, date '2026-09-01' + v_shift)
               + (st.k * 2 + m.id % 5) * interval '1 day'
               + (m.id % 600) * interval '1 minute'
      FROM campaign_members m JOIN campaigns cp ON cp.id = m.campaign_id,
           LATERAL (SELECT k, (ARRAY['sent', 'opened', 'clicked', 'replied', 'registered',
                                     'converted'])[k] AS status
                      FROM generate_series(1, CASE WHEN m.status = 'unsent' THEN 1
                                                   ELSE ccrm_response_rank(m.status) END) k) st
     WHERE cp.channel = 'email'
     ORDER BY m.id, st.k;
    INSERT INTO campaign_responses (campaign_id, contact_id, lead_id, status, at)
    SELECT m.campaign_id, m.contact_id, m.lead_id,
           (ARRAY['sent', 'opened', 'clicked', 'opened', 'replied', 'sent', 'opened', 'converted'])[1 + m.id % 8],
           -- (from 30 days and an hour before t0 on: 2026-10-02 08:00 UTC for 2026-11-01)
           v_t0 - interval '721 hours' + (m.id % 30) * interval '1 day'
      FROM campaign_members m WHERE m.campaign_id = v_camp
     ORDER BY m.id;
    SELECT count(*) INTO n_resp FROM campaign_responses;
    -- a campaign past its end is completed, one not begun planned (loaded in 2026-12, the
    -- autumn newsletter has ended). Written as a stamp, like the times at the end: the state
    -- the demo starts in, no change anyone made (no audit, event or inbox note); the members
    -- who opted out left the campaign while it ran (above)
    PERFORM set_config('role', v_role, true);
    PERFORM set_config('session_replication_role', 'replica', true);
    UPDATE campaigns
       SET status = CASE WHEN ends_on < ccrm_local(now())::date THEN 'completed'
                         WHEN starts_on <= ccrm_local(now())::date THEN 'active'
                         ELSE 'planned' END
     WHERE name IN (v_webinar, 'Pro Plan Launch', v_letter, v_fair, v_upsell)
       AND status IS DISTINCT FROM CASE WHEN ends_on < ccrm_local(now())::date THEN 'completed'
                                        WHEN starts_on <= ccrm_local(now())::date THEN 'active'
                                        ELSE 'planned' END;
    PERFORM set_config('session_replication_role', v_srr, true);
    -- likely duplicates: the same person typed in again by sales (another address of the same
    -- mailbox, a typo in the name, the phone written the national way) and a lead twice
    PERFORM set_config('role', 'sam', true);
    INSERT INTO contacts (account_id, first_name, last_name, email, phone, title, owner)
    SELECT c.account_id, c.first_name,
           CASE WHEN c.q % 2 = 0 THEN c.last_name || 'n' ELSE c.last_name END,
           replace(c.email, '@', '+crm@'), c.phone, c.title, c.owner
      FROM demo_contacts c WHERE c.k = 2 ORDER BY c.q LIMIT 4;
    GET DIAGNOSTICS n_dup = ROW_COUNT;
    -- the last two accounts are typed-in-again versions of the second and third (the number
    -- of accounts stays the one asked for; their people and deals make a merge worth undoing)
    UPDATE accounts d
       SET name = upper(a.name), domain = 'www.' || a.domain, industry = a.industry,
           phone = a.phone, city = a.city, country = a.country
      FROM accounts a
     WHERE v_n >= 10 AND a.id = d.id - (v_n - 2) + 1 AND d.id IN (ab + v_n - 1, ab + v_n);
    PERFORM set_config('role', 'renee', true);
    INSERT INTO leads (first_name, last_name, email, company, source, status, score, owner)
    SELECT l.first_name, l.last_name, upper(l.email), l.company, 'trade fair', 'new', 5, 'renee'
      FROM demo_leads l WHERE l.email IS NOT NULL ORDER BY l.s LIMIT 2;
    n_dup := n_dup + CASE WHEN v_n >= 10 THEN 4 ELSE 2 END;
    PERFORM set_config('role', v_role, true);
    SELECT count(*) INTO n_seg FROM segments;
    SELECT count(*) INTO n_camp FROM campaigns;
    SELECT count(*) INTO n_mem FROM campaign_members;
    IF v_big THEN
        PERFORM set_config('session_replication_role', 'replica', true);
    END IF;

    ---------------------------------------------------------------- responsibility and time
    -- rules, absences, calendars, SLA policies, tasks and tickets near their targets: the
    -- section at the end of this file
    v_service := pg_temp.ccrm_demo_service();

    ---------------------------------------------------------------- wrap up
    v_summary := format('loaded %s accounts, %s contacts, %s leads, %s opportunities, '
                        '%s tickets, %s interactions, %s campaigns (%s members), %s comments, '
                        '%s users, %s accounts shared with partners, %s mails, %s products, '
                        '%s quotes, %s invoices and credit notes; %s interests, %s segments, '
                        '%s opt-outs, %s campaign responses, %s likely duplicates; %s',
                        to_char(v_n, 'FM999,999,999,990'), to_char(n_con, 'FM999,999,990'),
                        to_char(n_lead, 'FM999,999,990'), to_char(n_opp, 'FM999,999,990'),
                        to_char(n_tic, 'FM999,999,990'), to_char(n_int, 'FM999,999,990'),
                        n_camp, to_char(n_mem, 'FM999,999,990'), n_com, n_user,
                        to_char(n_share, 'FM999,999,990'), n_mail, n_prod, n_quote, n_inv,
                        n_intr, n_seg, to_char(n_opt, 'FM999,999,990'),
                        to_char(n_resp, 'FM999,999,990'), n_dup, v_service);
    IF v_big THEN
        PERFORM set_config('session_replication_role', v_srr, true);
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_me, (SELECT department FROM users WHERE login = v_me), 'accounts', 'bulk',
                'demo data: ' || v_summary, v_n);
        PERFORM pg_notify('ccrm', '');
    END IF;
    -- Varied times: a list sorted by "updated" shows the records as touched over the last two
    -- months, newest first, not all in the second the demo was loaded (small loads; a bulk
    -- load keeps its one instant). A stamp is no change anyone made: written without the
    -- triggers (no audit, no event, no version), then every list's search blocks are cut
    -- again for the new order (schema/013).
    IF NOT v_big THEN
        PERFORM set_config('session_replication_role', 'replica', true);
        UPDATE accounts SET updated_at = now() - ((id * 7919) % 86400) * interval '1 minute';
        UPDATE contacts SET updated_at = now() - ((id * 7919) % 86400) * interval '1 minute';
        UPDATE leads SET updated_at = now() - ((id * 7919) % 86400) * interval '1 minute';
        UPDATE opportunities SET updated_at = now() - ((id * 7919) % 86400) * interval '1 minute';
        -- (not the new tickets with SLA clocks: they came in when their clocks started, below)
        UPDATE tickets t SET updated_at = now() - ((id * 7919) % 43200) * interval '1 minute'
         WHERE NOT EXISTS (SELECT 1 FROM sla_clocks k WHERE k.ticket_id = t.id);
        UPDATE accounts SET created_at = updated_at - ((id * 104729) % 43200) * interval '1 minute';
        UPDATE contacts SET created_at = updated_at - ((id * 104729) % 43200) * interval '1 minute';
        UPDATE leads SET created_at = updated_at - ((id * 104729) % 43200) * interval '1 minute';
        UPDATE opportunities
           SET created_at = updated_at - ((id * 104729) % 43200) * interval '1 minute';
        -- a ticket came in with the customer's first message (its replies and mails follow it:
        -- the Response times report measures from here), last changed no earlier than that
        UPDATE tickets t SET created_at = i.first_in, updated_at = greatest(t.updated_at, i.first_in)
          FROM (SELECT ticket_id, min(at) AS first_in FROM interactions
                 WHERE direction = 'in' AND ticket_id IS NOT NULL GROUP BY 1) i
         WHERE i.ticket_id = t.id AND NOT EXISTS (SELECT 1 FROM sla_clocks k WHERE k.ticket_id = t.id);
        -- so that a ticket's age and its time left tell the same story
        UPDATE tickets t SET created_at = k.started
          FROM (SELECT c.ticket_id, min(c.started_at) AS started FROM sla_clocks c GROUP BY 1) k
         WHERE k.ticket_id = t.id;
        -- a campaign's members were added when its mail went out (before their first
        -- response), not at the load: the deals their accounts opened since are the
        -- campaign's influence (ccrm_campaign_results)
        UPDATE campaign_members m SET created_at = f.first_at - interval '1 hour'
          FROM (SELECT x.campaign_id, x.contact_id, x.lead_id, min(x.at) AS first_at
                  FROM campaign_responses x GROUP BY 1, 2, 3) f
         WHERE f.campaign_id = m.campaign_id AND f.contact_id IS NOT DISTINCT FROM m.contact_id
           AND f.lead_id IS NOT DISTINCT FROM m.lead_id
           AND f.first_at - interval '1 hour' < m.created_at;
        -- ...and the customer's words that opened such a ticket are from when it came in
        UPDATE interactions i SET at = t.created_at
          FROM tickets t
         WHERE i.ticket_id = t.id AND i.direction = 'in' AND i.subject = 'Ticket opened'
           AND i.at > t.created_at
           AND EXISTS (SELECT 1 FROM sla_clocks k WHERE k.ticket_id = t.id);
        -- a solved or closed ticket of the history was solved two hours after the last word on
        -- it, not at the load: the Response times report takes that moment from the audit
        -- trail (its resolution times were weeks, the age of the history)
        UPDATE audit a SET at = s.solved_at
          FROM (SELECT t.id, least(now(), greatest(t.created_at, max(i.at)) + interval '2 hours')
                           AS solved_at
                  FROM tickets t LEFT JOIN interactions i ON i.ticket_id = t.id
                 WHERE t.status IN ('solved', 'closed')
                   AND NOT EXISTS (SELECT 1 FROM sla_clocks k WHERE k.ticket_id = t.id)
                 GROUP BY t.id, t.created_at) s
         WHERE a.entity = 'tickets' AND a.entity_id = s.id AND a.op = 'insert';
        -- a campaign was set up two weeks before it started (or weeks before the load, for
        -- one still planned), not in the second the demo was loaded
        UPDATE campaigns
           SET created_at = least((starts_on - 14)::timestamp + interval '10 hours',
                                  (now() - interval '20 days') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
               updated_at = least((starts_on - 14)::timestamp + interval '10 hours',
                                  (now() - interval '20 days') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
        PERFORM set_config('session_replication_role', v_srr, true);
        FOR r IN SELECT l.list FROM search_block_lists l ORDER BY l.list LOOP
            PERFORM ccrm_search_blocks_rebuild(r.list);
        END LOOP;
    END IF;
    ANALYZE accounts, contacts, leads, opportunities, tickets, interactions, campaign_members,
            account_shares, interests, consents, campaign_responses;
    RETURN v_summary;
END
$fn$;

-- =======================================================================================
-- Responsibility and time (schema/019): who is competent for what, who is away, business
-- hours, service levels, tasks and meetings, and tickets near and past their targets.
-- Unlike the rest of this file these are relative to now(), not to t0: "due today",
-- "overdue" and "breached" mean something only against the real clock. The calendars' holidays
-- are computed for the years from the oldest ticket's to the one after the load. Written as the people
-- who would write them (management sets rules and policies, each person their own tasks and
-- settings, sofia her team's absence). Runs with triggers on (routing, SLA clocks), also
-- after a bulk load, which disabled them for its own inserts.
-- =======================================================================================
CREATE FUNCTION pg_temp.ccrm_demo_service() RETURNS text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $fn$
DECLARE
    v_role  text := current_setting('role');
    v_srr   text := current_setting('session_replication_role');
    v_berlin bigint;
    v_ny    bigint;
    v_hot   bigint;
    v_big   bigint;
    v_day0  timestamptz := date_trunc('day', now() AT TIME ZONE 'Europe/Berlin')
                           AT TIME ZONE 'Europe/Berlin';
    -- the years the holidays are listed for: from the oldest ticket's (45 days before t0) to
    -- the one after the load (2026 and 2027 for a load in 2026)
    v_y0    int := extract(year FROM pg_temp.ccrm_demo_t0() AT TIME ZONE 'UTC' - interval '45 days');
    v_y1    int := extract(year FROM now() AT TIME ZONE 'UTC') + 1;
    v_acc   bigint[];
    v_t     bigint;
    n_rule  int;
    n_pol   int;
    n_task  int;
    n_tic   int := 0;
    i       int;
BEGIN
    PERFORM set_config('session_replication_role', 'origin', true);
    -- the biggest customers of the demo (they get tiers, a rule and tasks below)
    SELECT array_agg(a.id ORDER BY a.annual_revenue DESC NULLS LAST, a.id) INTO v_acc
      FROM (SELECT a.id, a.annual_revenue FROM accounts a
             WHERE a.id IN (SELECT account_id FROM demo_slots)
             ORDER BY a.annual_revenue DESC NULLS LAST, a.id LIMIT 12) a;

    -- who leads whom (an admin's job): sam leads sales, sofia support, marco marketing; the
    -- leads report to management
    PERFORM set_config('role', 'ana', true);
    UPDATE users SET manager = CASE
               WHEN login IN ('juergen', 'jose', 'priya') THEN 'sam'
               WHEN login IN ('zoe', 'lukasz', 'kenji') THEN 'sofia'
               WHEN login IN ('chloe', 'renee') THEN 'marco'
               WHEN login IN ('sam', 'marco') THEN 'oskar'
               WHEN login = 'sofia' THEN 'mia' END
     WHERE login IN ('juergen', 'jose', 'priya', 'zoe', 'lukasz', 'kenji', 'chloe', 'renee',
                     'sam', 'marco', 'sofia')
       AND manager IS NULL;

    -- business hours and service levels (management)
    PERFORM set_config('role', 'mia', true);
    INSERT INTO calendars (name, time_zone, hours, holidays, is_default)
    VALUES ('Berlin office', 'Europe/Berlin', 'mon-fri 08:00-18:00',
            pg_temp.ccrm_demo_holidays('berlin', v_y0, v_y1), true)
    RETURNING id INTO v_berlin;
    INSERT INTO calendars (name, time_zone, hours, holidays)
    VALUES ('New York office', 'America/New_York', 'mon-fri 09:00-17:00',
            pg_temp.ccrm_demo_holidays('new_york', v_y0, v_y1))
    RETURNING id INTO v_ny;
    INSERT INTO calendars (name, time_zone, hours)
    VALUES ('Hotline 24/7', 'Europe/Berlin', '24/7')
    RETURNING id INTO v_hot;
    INSERT INTO sla_policies (name, position, priorities, calendar_id, first_response_min,
                              next_response_min, resolution_min, warn_before_min, escalate_to)
    VALUES ('Urgent, around the clock', 10, '{urgent}', v_hot, 30, 60, 240, 10, 'mia');
    INSERT INTO sla_policies (name, position, tiers, calendar_id, first_response_min,
                              next_response_min, resolution_min, warn_before_min, escalate_to)
    VALUES ('Enterprise', 20, '{enterprise}', v_berlin, 60, 120, 960, 30, 'mia');
    INSERT INTO sla_policies (name, position, queues, calendar_id, first_response_min,
                              resolution_min)
    VALUES ('US customers', 30, '{us}', v_ny, 240, 2400);
    INSERT INTO sla_policies (name, position, calendar_id, first_response_min,
                              next_response_min, resolution_min)
    VALUES ('Standard', 100, v_berlin, 240, 480, 2400);
    GET DIAGNOSTICS n_pol = ROW_COUNT;
    n_pol := (SELECT count(*) FROM sla_policies);

    -- the biggest customers are enterprise, some premium (sales keeps the tiers)
    PERFORM set_config('role', 'sam', true);
    UPDATE accounts SET tier = CASE WHEN id = ANY (v_acc[1:5]) THEN 'enterprise' ELSE 'premium' END
     WHERE id = ANY (v_acc);

    -- who is competent for what: every department (management)
    PERFORM set_config('role', 'mia', true);
    INSERT INTO responsibilities (department, account_id, territory, product, queue, topic,
                                  person, deputy, priority, note) VALUES
        ('support', NULL, NULL, NULL, 'billing', NULL, 'zoe', 'sofia', 5, 'billing queue'),
        ('support', NULL, NULL, 'ccrm Enterprise', NULL, NULL, 'kenji', 'lukasz', 10, 'enterprise edition'),
        ('support', NULL, NULL, 'API', NULL, NULL, 'lukasz', 'kenji', 10, 'API and webhooks'),
        ('support', NULL, NULL, NULL, NULL, 'invoice', 'zoe', 'sofia', 20, 'anything about invoices'),
        ('support', NULL, '{United States, United Kingdom}', NULL, NULL, NULL, 'kenji', 'zoe', 50, 'English-speaking customers'),
        ('support', NULL, NULL, NULL, NULL, NULL, 'sofia', 'zoe', 1000, 'first level'),
        ('marketing', NULL, NULL, NULL, NULL, 'trade fair', 'renee', 'marco', 10, 'events'),
        ('marketing', NULL, '{Germany, Switzerland, Austria}', NULL, NULL, NULL, 'chloe', 'renee', 50, 'DACH'),
        ('marketing', NULL, NULL, NULL, NULL, NULL, 'marco', 'chloe', 1000, NULL),
        ('sales', NULL, '{Germany, Switzerland, Austria}', NULL, NULL, NULL, 'juergen', 'sam', 50, 'DACH'),
        ('sales', NULL, '{Spain, France, Italy}', NULL, NULL, NULL, 'jose', 'juergen', 50, 'southern Europe'),
        ('sales', NULL, '{United States, United Kingdom, Japan}', NULL, NULL, NULL, 'priya', 'sam', 50, 'overseas'),
        ('sales', NULL, NULL, NULL, NULL, NULL, 'sam', 'priya', 1000, NULL),
        ('management', v_acc[1], NULL, NULL, NULL, NULL, 'mia', 'oskar', 10, 'our biggest customer'),
        ('management', NULL, NULL, NULL, NULL, NULL, 'oskar', 'mia', 1000, 'escalations'),
        ('admin', NULL, NULL, NULL, NULL, NULL, 'ana', NULL, 1000, 'users, sharing, rules');
    GET DIAGNOSTICS n_rule = ROW_COUNT;

    -- who is away: lukasz this week (his lead set it), juergen next week (himself)
    PERFORM set_config('role', 'sofia', true);
    INSERT INTO absences (login, starts_on, ends_on, deputy, note)
    VALUES ('lukasz', (v_day0 AT TIME ZONE 'Europe/Berlin')::date - 1,
            (v_day0 AT TIME ZONE 'Europe/Berlin')::date + 4, 'kenji', 'holiday');
    PERFORM set_config('role', 'juergen', true);
    INSERT INTO absences (login, starts_on, ends_on, note)
    VALUES ('juergen', (v_day0 AT TIME ZONE 'Europe/Berlin')::date + 7,
            (v_day0 AT TIME ZONE 'Europe/Berlin')::date + 11, 'trade fair');

    -- settings: everybody in Berlin but priya; kenji does not want pings at night, marco
    -- takes a digest every morning
    FOR i IN 1 .. 13 LOOP
        PERFORM set_config('role', (ARRAY['sam', 'juergen', 'jose', 'priya', 'sofia', 'zoe',
                                          'lukasz', 'kenji', 'marco', 'chloe', 'renee', 'mia',
                                          'oskar'])[i], true);
        INSERT INTO inbox_settings (time_zone, quiet_from, quiet_until, digest_at)
        VALUES (CASE WHEN i = 4 THEN 'America/New_York' ELSE 'Europe/Berlin' END,
                CASE WHEN i = 8 THEN time '19:00' END, CASE WHEN i = 8 THEN time '07:30' END,
                CASE WHEN i = 9 THEN time '08:30' END);
    END LOOP;

    -- tasks and meetings: due today, overdue, this week (each person their own)
    n_task := 0;
    FOR i IN 1 .. 12 LOOP
        PERFORM set_config('role', (ARRAY['sofia', 'sofia', 'zoe', 'sam', 'sam', 'juergen',
                                          'priya', 'marco', 'renee', 'mia', 'kenji', 'chloe'])[i], true);
        INSERT INTO interactions (kind, subject, due_at, account_id)
        VALUES ((ARRAY['task', 'meeting', 'task', 'task', 'meeting', 'task', 'task', 'task',
                       'task', 'meeting', 'task', 'task'])[i],
                (ARRAY['Call back about the invoice', 'Support stand-up',
                       'Check the export bug with the customer', 'Send the Pro plan offer',
                       'Contract review', 'Prepare the DACH forecast', 'Follow up on the demo',
                       'Newsletter copy for the Pro launch', 'Book the trade fair booth',
                       'Quarterly review with our biggest customer', 'Reply to the API question',
                       'Lead list for the webinar'])[i],
                v_day0 + (ARRAY[interval '15 hours', interval '9 hours 30 minutes',
                                interval '-2 days' + interval '11 hours', interval '-1 day' + interval '16 hours',
                                interval '1 day 10 hours', interval '3 days 9 hours',
                                interval '17 hours', interval '2 days 12 hours',
                                interval '-3 days' + interval '10 hours', interval '1 day 14 hours',
                                interval '16 hours 30 minutes', interval '4 days 11 hours'])[i],
                v_acc[1 + i % 12]);
        n_task := n_task + 1;
    END LOOP;
    PERFORM set_config('role', 'oskar', true);
    INSERT INTO interactions (kind, subject, due_at, owner, account_id)
    VALUES ('task', 'Escalation call with the customer', v_day0 + interval '13 hours', 'mia', v_acc[1]);
    n_task := n_task + 1;

    -- new tickets without an assignee: routed by the rules, with SLA clocks. A few are then
    -- moved back in time (their clocks started earlier), so that some are near their targets
    -- and some past them; the scheduler announces the breaches at its next run.
    FOR i IN 1 .. 10 LOOP
        PERFORM set_config('role', (ARRAY['sam', 'marco', 'zoe', 'sofia', 'kenji', 'sam', 'sofia',
                                          'priya', 'zoe', 'kenji'])[i], true);
        -- each reported by a person of its account (its first contact), whom `r` answers
        INSERT INTO tickets (subject, body, priority, product, queue, account_id, channel,
                             contact_id)
        VALUES ((ARRAY['Wrong VAT rate on the invoice', 'Webhook deliveries failing',
                       'Login fails after the update', 'Cannot export the yearly report',
                       'Enterprise SSO broken', 'Refund for a double payment',
                       'Dashboard loads slowly', 'Question about our invoice',
                       'Mobile app crashes on start', 'API rate limit too low'])[i],
                'Reported by the customer; see the timeline.',
                (ARRAY['normal', 'urgent', 'high', 'normal', 'urgent', 'normal', 'low', 'normal',
                       'high', 'normal'])[i],
                (ARRAY[NULL, 'API', NULL, 'ccrm Pro', 'ccrm Enterprise', NULL, 'ccrm Basic',
                       NULL, 'Mobile app', 'API'])[i],
                (ARRAY[NULL, NULL, NULL, NULL, NULL, 'billing', NULL, NULL, NULL, NULL])[i],
                v_acc[1 + (i * 5) % 12],
                (ARRAY['email', 'web', 'phone', 'email', 'phone', 'email', 'web', 'email', 'chat',
                       'web'])[i],
                (SELECT c.id FROM contacts c WHERE c.account_id = v_acc[1 + (i * 5) % 12]
                  ORDER BY c.id LIMIT 1))
        RETURNING id INTO v_t;
        n_tic := n_tic + 1;
        -- the customer's own words are on the timeline (as the one who logged it), by the
        -- channel the ticket came in
        INSERT INTO interactions (kind, channel, direction, subject, ticket_id)
        SELECT CASE t.channel WHEN 'phone' THEN 'call' WHEN 'chat' THEN 'chat' WHEN 'email'
                   THEN 'email' ELSE 'note' END,
               t.channel, 'in', 'Ticket opened', t.id
          FROM tickets t WHERE t.id = v_t;
        -- business minutes past its first-response target (negative: still to go), as if
        -- it had come in that much earlier: four breached, two close to it
        IF (ARRAY[90, 15, 300, -20, NULL, -40, NULL, NULL, 45, NULL])[i] IS NOT NULL THEN
            PERFORM set_config('role', v_role, true);
            UPDATE sla_clocks k
               SET started_at = b.since, running_since = b.since
              FROM (SELECT ccrm_business_add(p.calendar_id, now(),
                               -(p.first_response_min
                                 + (ARRAY[90, 15, 300, -20, NULL, -40, NULL, NULL, 45, NULL])[i]))
                           AS since
                      FROM sla_clocks f JOIN sla_policies p ON p.id = f.policy_id
                     WHERE f.ticket_id = v_t AND f.kind = 'first_response') b
             WHERE k.ticket_id = v_t;
            PERFORM ccrm_sla_recompute(ARRAY(SELECT k.id FROM sla_clocks k WHERE k.ticket_id = v_t));
            PERFORM ccrm_sla_current(ARRAY[v_t]);
        END IF;
    END LOOP;

    PERFORM set_config('role', v_role, true);
    PERFORM set_config('session_replication_role', v_srr, true);
    RETURN format('%s rules, %s SLA policies, %s tasks and meetings, %s new tickets routed',
                  n_rule, n_pol, n_task, n_tic);
END
$fn$;
