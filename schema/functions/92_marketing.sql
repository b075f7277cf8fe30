-- ccrm schema functions: From support's feedback to marketing's campaign (migration 021):
-- interests, consents and opt-outs, segments, campaign members and responses, duplicates and
-- merges (undone from the audit trail), and the reports behind `ccrm --report`.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.
--
-- Everything a person calls is SECURITY INVOKER (grants, forced row-level security and the
-- department rules decide, as for the same statements typed into psql), except:
--   ccrm_merge, ccrm_unmerge      a merge re-points rows of tables the caller may not update
--                                 and deletes the merged record (nobody holds DELETE)
--   ccrm_consent_enforce & co.    an opt-out removes memberships (nobody holds DELETE)
-- which check the caller's department themselves (ccrm_in_dept decides on the person).

-- ---------------------------------------------------------------------------------------
-- Normal forms for matching duplicates (IMMUTABLE: expression indexes of 021 use them; a
-- changed body needs a REINDEX of those indexes). Every row written to contacts and leads
-- computes them for its indexes, so they have no SET clause (it saves and restores the
-- setting on every call: 2 us of the 3 to 5 a call costs) and name everything outside
-- pg_catalog with its schema, which also keeps them right under any search_path (pg_restore
-- builds the indexes with an empty one).
-- ---------------------------------------------------------------------------------------

-- An e-mail address as a mailbox: lower case, without blanks around it, without a
-- sub-address ("ann+news@x.org" -> "ann@x.org", RFC 5233), and for Gmail without the dots
-- Google ignores ("a.n.n@googlemail.com" -> "ann@gmail.com"). NULL when it is not
-- local@domain.
CREATE OR REPLACE FUNCTION ccrm_email_norm(p_email text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    e   text := lower(btrim(p_email));
    at  int;
    loc text;
    dom text;
BEGIN
    -- string functions, no regular expressions: this runs for every row of the duplicate scan
    -- and of its index (a regex-based version cost 60 us a call, this one 6)
    IF e IS NULL OR position('@' IN e) = 0 THEN
        RETURN NULL;
    END IF;
    at := length(e) - position('@' IN reverse(e)) + 1;   -- the last @
    loc := substr(e, 1, at - 1);
    dom := rtrim(substr(e, at + 1), '.');
    loc := coalesce(nullif(split_part(loc, '+', 1), ''), loc);
    IF loc = '' OR dom = '' THEN
        RETURN NULL;
    END IF;
    IF dom IN ('gmail.com', 'googlemail.com') THEN
        RETURN replace(loc, '.', '') || '@gmail.com';
    END IF;
    RETURN loc || '@' || dom;
END
$$;

-- The international calling code of a country given as an ISO 3166 code ("DE"), an English
-- or native name ("Germany", "Deutschland", case and accents ignored) or a code ("+49",
-- "0049"); NULL when unknown.
CREATE OR REPLACE FUNCTION ccrm_calling_code(p_country text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, public
AS $$
    SELECT CASE
        WHEN k ~ '^(\+|00)?[1-9][0-9]{0,2}$' THEN regexp_replace(k, '^(\+|00)', '')
        ELSE (SELECT v.cc FROM (VALUES
            ('de', 'germany', 'deutschland', '49'), ('at', 'austria', 'osterreich', '43'),
            ('ch', 'switzerland', 'schweiz', '41'), ('ch', 'suisse', 'svizzera', '41'),
            ('fr', 'france', 'france', '33'), ('es', 'spain', 'espana', '34'),
            ('it', 'italy', 'italia', '39'), ('nl', 'netherlands', 'nederland', '31'),
            ('nl', 'the netherlands', 'holland', '31'), ('be', 'belgium', 'belgie', '32'),
            ('be', 'belgique', 'belgien', '32'), ('lu', 'luxembourg', 'letzebuerg', '352'),
            ('dk', 'denmark', 'danmark', '45'), ('se', 'sweden', 'sverige', '46'),
            ('no', 'norway', 'norge', '47'), ('fi', 'finland', 'suomi', '358'),
            ('is', 'iceland', 'island', '354'), ('ie', 'ireland', 'eire', '353'),
            ('gb', 'united kingdom', 'great britain', '44'), ('uk', 'england', 'scotland', '44'),
            ('gb', 'wales', 'northern ireland', '44'), ('pt', 'portugal', 'portugal', '351'),
            ('pl', 'poland', 'polska', '48'), ('cz', 'czechia', 'czech republic', '420'),
            ('cz', 'cesko', 'ceska republika', '420'), ('sk', 'slovakia', 'slovensko', '421'),
            ('hu', 'hungary', 'magyarorszag', '36'), ('si', 'slovenia', 'slovenija', '386'),
            ('hr', 'croatia', 'hrvatska', '385'), ('ro', 'romania', 'romania', '40'),
            ('bg', 'bulgaria', 'balgariya', '359'), ('gr', 'greece', 'ellada', '30'),
            ('ee', 'estonia', 'eesti', '372'), ('lv', 'latvia', 'latvija', '371'),
            ('lt', 'lithuania', 'lietuva', '370'), ('mt', 'malta', 'malta', '356'),
            ('cy', 'cyprus', 'kypros', '357'), ('li', 'liechtenstein', 'liechtenstein', '423'),
            ('mc', 'monaco', 'monaco', '377'), ('sm', 'san marino', 'san marino', '378'),
            ('va', 'vatican', 'vatican city', '379'), ('us', 'united states', 'usa', '1'),
            ('us', 'united states of america', 'america', '1'), ('ca', 'canada', 'canada', '1'),
            ('mx', 'mexico', 'mexico', '52'), ('br', 'brazil', 'brasil', '55'),
            ('ar', 'argentina', 'argentina', '54'), ('cl', 'chile', 'chile', '56'),
            ('co', 'colombia', 'colombia', '57'), ('jp', 'japan', 'nihon', '81'),
            ('cn', 'china', 'zhongguo', '86'), ('in', 'india', 'bharat', '91'),
            ('kr', 'south korea', 'korea', '82'), ('au', 'australia', 'australia', '61'),
            ('nz', 'new zealand', 'aotearoa', '64'), ('za', 'south africa', 'suid-afrika', '27'),
            ('tr', 'turkey', 'turkiye', '90'), ('il', 'israel', 'yisrael', '972'),
            ('ae', 'united arab emirates', 'uae', '971'), ('sa', 'saudi arabia', 'saudi', '966'),
            ('sg', 'singapore', 'singapura', '65'), ('hk', 'hong kong', 'xianggang', '852'),
            ('ru', 'russia', 'rossiya', '7'), ('ua', 'ukraine', 'ukraina', '380'),
            ('eg', 'egypt', 'misr', '20'), ('ng', 'nigeria', 'nigeria', '234'),
            ('ke', 'kenya', 'kenya', '254'), ('gh', 'ghana', 'ghana', '233'),
            ('ma', 'morocco', 'maroc', '212'), ('th', 'thailand', 'prathet thai', '66'),
            ('my', 'malaysia', 'malaysia', '60'), ('id', 'indonesia', 'indonesia', '62'),
            ('ph', 'philippines', 'pilipinas', '63'), ('vn', 'vietnam', 'viet nam', '84'))
              v(iso, en, native, cc)
            WHERE k IN (v.iso, v.en, v.native) LIMIT 1)
    END
      FROM (SELECT btrim(ccrm_fold(btrim(p_country))) AS k) s
$$;

-- A telephone number in E.164 form ("+493012345678"), for matching; NULL when it cannot be
-- placed. Rules (and their limits, docs/architecture.md "Duplicates"):
--   * an extension at the end ("ext. 12", "x12", "#12", ";ext=12") is not part of the number;
--     "(0)" after the country code ("+49 (0)30 ...") is the trunk prefix and is dropped;
--     separators (spaces, dots, dashes, slashes, brackets) are ignored; letters (vanity numbers
--     such as 1-800-FLOWERS) make the number unplaceable;
--   * "+" or "00" starts an international number; NANP (+1) also "011";
--   * a national number needs p_country (see ccrm_calling_code): its trunk prefix 0 is dropped
--     ("030 1234567", Germany -> +49301234567), except in Italy, San Marino and the Vatican,
--     where the 0 belongs to the number; "8" in Russia and Lithuania and "06" in Hungary are
--     trunk prefixes too; NANP numbers need 10 digits (or 11 starting with 1);
--   * the result has 8 to 15 digits and does not start with 0; numbering plans are not checked
--     beyond that, so an impossible number of the right length passes.
CREATE OR REPLACE FUNCTION ccrm_phone_e164(p_phone text, p_country text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    s  text := btrim(coalesce(p_phone, ''));
    d  text;
    cc text;
    n  text;
BEGIN
    IF s = '' THEN
        RETURN NULL;
    END IF;
    -- the common case costs one regular expression: only digits and separators
    IF s ~ '[^0-9+ ./()\-]' THEN
        s := regexp_replace(s, '\s*(;\s*ext\s*=|ext\.?|extension|durchwahl|x|#)\s*[0-9]+\s*$', '',
                            'i');
        IF s ~ '[^0-9+ ./()\-]' THEN
            RETURN NULL;   -- letters (a vanity number) or other signs
        END IF;
    END IF;
    IF position('(' IN s) > 0 THEN
        s := regexp_replace(s, '\(\s*0\s*\)', '', 'g');
    END IF;
    d := translate(s, '+ ./()-', '');
    IF d = '' THEN
        RETURN NULL;
    END IF;
    IF left(s, 1) = '+' THEN
        n := d;
    ELSIF left(d, 2) = '00' THEN
        n := substr(d, 3);
    ELSE
        cc := public.ccrm_calling_code(p_country);
        IF cc IS NULL THEN
            RETURN NULL;
        END IF;
        IF cc = '1' THEN
            IF left(d, 3) = '011' THEN
                n := substr(d, 4);
            ELSIF length(d) = 11 AND left(d, 1) = '1' THEN
                n := d;
            ELSIF length(d) = 10 THEN
                n := '1' || d;
            ELSE
                RETURN NULL;
            END IF;
        ELSIF cc IN ('39', '378', '379') THEN
            n := cc || d;
        ELSIF cc IN ('7', '370') AND left(d, 1) = '8' THEN
            n := cc || substr(d, 2);
        ELSIF cc = '36' AND left(d, 2) = '06' THEN
            n := cc || substr(d, 3);
        ELSIF left(d, 1) = '0' THEN
            n := cc || substr(d, 2);
        ELSE
            n := cc || d;
        END IF;
    END IF;
    IF length(n) NOT BETWEEN 8 AND 15 OR left(n, 1) = '0' OR position('+' IN n) > 0 THEN
        RETURN NULL;
    END IF;
    RETURN '+' || n;
END
$$;

-- A domain from a domain, a web address or an e-mail address: lower case, without scheme,
-- user, port, path and a leading "www." ("https://WWW.Acme.de/contact" -> "acme.de"); NULL
-- when what is left is not a dotted name.
CREATE OR REPLACE FUNCTION ccrm_domain_norm(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT CASE WHEN d ~ '^[^[:space:].]+(\.[^[:space:].]+)+$' THEN d END
      FROM (SELECT regexp_replace(rtrim(regexp_replace(regexp_replace(regexp_replace(
                       lower(btrim(p)), '^[a-z][a-z0-9+.-]*://', ''), '^[^/@]*@', ''),
                       '[/?#:].*$', ''), '.'), '^www[0-9]*\.', '') AS d) s
$$;

-- A company name as a key: folded (case, accents), punctuation gone, spelt-out letters joined
-- ("S.p.A." -> "spa") and legal forms dropped ("Acme GmbH & Co. KG" and "ACME" -> "acme").
CREATE OR REPLACE FUNCTION ccrm_name_key(p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
-- about 60 us a call (its regular expressions): the planner's default (100, a hundred
-- operators) made a scan calling it for every account and every line of an import look
-- cheaper than the index on it (an import naming accounts: 1,500 lines/s on 20 accounts)
COST 5000
SET search_path = pg_catalog, public
AS $$
DECLARE
    s text := ' ' || regexp_replace(coalesce(ccrm_fold(p), ''), '[[:punct:][:space:]]+', ' ', 'g')
              || ' ';
    k text;
BEGIN
    s := regexp_replace(s, '(\m[a-z]) (?=[a-z]\M)', '\1', 'g');
    k := btrim(regexp_replace(regexp_replace(s,
            ' (gmbh|mbh|ag|kg|ohg|ug|ev|eg|se|sa|sas|sarl|sl|slu|spa|srl|sro|bv|nv|ab|oy|oyj|as|'
            || 'asa|aps|plc|ltd|limited|llc|llp|lp|inc|incorporated|corp|corporation|co|company|'
            || 'cie|kk|ltda|pty|gbr|sp zoo|spzoo|zoo|and|und|et|the) ', ' ', 'g'),
            ' (gmbh|ag|kg|co|ltd|inc|sa|llc|the) ', ' ', 'g'));
    k := regexp_replace(k, ' +', ' ', 'g');
    RETURN CASE WHEN k = '' THEN nullif(btrim(regexp_replace(s, ' +', ' ', 'g')), '') ELSE k END;
END
$$;

-- A person's name as matched: "First Last", folded, blanks squeezed (no regular expression:
-- it runs for every row of the scan and of its index).
CREATE OR REPLACE FUNCTION ccrm_person_name(p_first text, p_last text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v text := translate(public.ccrm_fold(coalesce(p_first, '') || ' ' || coalesce(p_last, '')),
                        E'\t\n\r', '   ');
BEGIN
    WHILE position('  ' IN v) > 0 LOOP
        v := replace(v, '  ', ' ');
    END LOOP;
    RETURN nullif(btrim(v), '');
END
$$;

-- ---------------------------------------------------------------------------------------
-- Who may merge (docs/security.md): contacts sales, marketing (the duplicate review of people
-- and their consents), management; leads marketing and management (who delete leads);
-- accounts sales and management (who delete accounts); admin always; partners never.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_may_merge(p_entity text) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE p_entity
        WHEN 'contacts' THEN ccrm_in_dept('sales', 'marketing', 'management')
        WHEN 'leads' THEN ccrm_in_dept('marketing', 'management')
        WHEN 'accounts' THEN ccrm_in_dept('sales', 'management')
        ELSE false
    END
$$;

-- What is putting rows back as they were right now: 'unmerge' (ccrm_unmerge) or 'import revert'
-- (ccrm_import_revert's restoring UPDATE), NULL when nothing is. The mark is a temporary table,
-- ccrm_restoring_now, with one column named for what restores; those functions (SECURITY
-- DEFINER) create it, as the owner, around their own restoring statements only and drop it
-- before they return: a caller cannot make one owned by the owner, and the statements after
-- them in the caller's transaction are not restoring (merges.undo_xid said "this
-- transaction", which let a caller's own inserts after an unmerge keep forged stamps, a
-- partner owner and opted-out members; the import revert's setting, ccrm.import_revert, could
-- be set by anyone). The column's name, not a row, says what: the catalog tells it, so the
-- triggers that ask, running as whoever writes, need no right on the owner's table.
CREATE OR REPLACE FUNCTION ccrm_restoring_what() RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RETURN (SELECT replace(a.attname, '_', ' ')
              FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1
             WHERE c.oid = to_regclass('pg_temp.ccrm_restoring_now')
               AND c.relowner = (SELECT m.relowner FROM pg_class m
                                  WHERE m.oid = to_regclass('public.merges')));
END
$$;

-- Is ccrm_unmerge putting rows back right now? Then they are restored exactly as they were:
-- ccrm_stamp keeps the stamps of a row inserted again, the owner check and routing leave it
-- alone, and the opt-out rules leave the restored memberships alone (the state restored was a
-- valid one, and the unmerge applies the opt-outs recorded since the merge afterwards). An
-- import's revert keeps only a won or lost deal's close date (ccrm_rule_deal_won): the rows it
-- puts back meet today's owner and opt-out rules, as any update.
-- Row triggers ask this for every row inserted with a past created_at (a mail history import's
-- tickets, twice each), and almost always no mark exists: that is answered without a SET
-- clause and without the catalog query (11 us a call with them, 1.2 us without, measured);
-- every name is qualified, the operator too, so the caller's search_path changes nothing.
CREATE OR REPLACE FUNCTION ccrm_restoring() RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_temp.ccrm_restoring_now') IS NULL THEN
        RETURN false;
    END IF;
    RETURN coalesce(public.ccrm_restoring_what() OPERATOR(pg_catalog.=) 'unmerge', false);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Consents and opt-outs
--
-- A person is a contact with its leads, or a lead: a lead belongs to the person of its
-- contact (contact_id), failing that of the contact with its e-mail address
-- (case-insensitive), failing that to the leads with its e-mail address. An opt-out recorded
-- on any record of a person (consents.opted_out_at set) for a channel, or for 'all', keeps the
-- whole person out of every campaign of that channel (campaigns.channel).
-- ---------------------------------------------------------------------------------------

-- The consent a campaign of this channel needs: its own for e-mail, phone and post; e-mail
-- for event, web and other campaigns, whose invitations go out by e-mail (the members export
-- is for the mailing tool). So an "unsubscribed" answer to an event is an e-mail opt-out, and
-- an e-mail opt-out keeps the person out of events too.
CREATE OR REPLACE FUNCTION ccrm_consent_channel(p_channel text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE WHEN p_channel IN ('email', 'phone', 'post', 'all') THEN p_channel
                ELSE 'email' END
$$;

-- When the person of this contact or lead opted out of p_channel (the earliest time), or NULL.
-- An opt-out kept after its record was deleted (070: no contact or lead, the person's address
-- in email) counts for every contact and lead of that address.
-- Reads through the caller's row-level security: the triggers that enforce opt-outs run it
-- as the owner.
CREATE OR REPLACE FUNCTION ccrm_opted_out(p_contact bigint, p_lead bigint, p_channel text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_c     bigint := p_contact;
    v_email text;
    v_at    timestamptz;
    v_at2   timestamptz;
BEGIN
    IF v_c IS NULL THEN
        SELECT l.contact_id, lower(l.email) INTO v_c, v_email FROM leads l WHERE l.id = p_lead;
        IF v_c IS NULL AND v_email IS NOT NULL THEN
            SELECT c.id INTO v_c FROM contacts c WHERE lower(c.email) = v_email;
        END IF;
    END IF;
    IF v_c IS NOT NULL THEN
        SELECT lower(c.email) INTO v_email FROM contacts c WHERE c.id = v_c;
        SELECT min(k.opted_out_at) INTO v_at FROM consents k
         WHERE k.contact_id = v_c AND k.opted_out_at IS NOT NULL
           AND k.channel IN (ccrm_consent_channel(p_channel), 'all');
        SELECT min(k.opted_out_at) INTO v_at2 FROM leads l JOIN consents k ON k.lead_id = l.id
         WHERE l.contact_id = v_c AND k.opted_out_at IS NOT NULL
           AND k.channel IN (ccrm_consent_channel(p_channel), 'all');
        v_at := least(v_at, v_at2);
        IF v_email IS NOT NULL THEN
            SELECT min(k.opted_out_at) INTO v_at2 FROM leads l JOIN consents k ON k.lead_id = l.id
             WHERE lower(l.email) = v_email AND l.contact_id IS NULL
               AND k.opted_out_at IS NOT NULL AND k.channel IN (ccrm_consent_channel(p_channel), 'all');
            v_at := least(v_at, v_at2);
        END IF;
    ELSIF v_email IS NOT NULL THEN
        SELECT min(k.opted_out_at) INTO v_at FROM leads l JOIN consents k ON k.lead_id = l.id
         WHERE lower(l.email) = v_email AND l.contact_id IS NULL
           AND k.opted_out_at IS NOT NULL AND k.channel IN (ccrm_consent_channel(p_channel), 'all');
    ELSIF p_lead IS NOT NULL THEN
        SELECT min(k.opted_out_at) INTO v_at FROM consents k
         WHERE k.lead_id = p_lead AND k.opted_out_at IS NOT NULL
           AND k.channel IN (ccrm_consent_channel(p_channel), 'all');
    END IF;
    IF v_email IS NOT NULL THEN
        SELECT min(k.opted_out_at) INTO v_at2 FROM consents k
         WHERE lower(k.email) = v_email AND k.contact_id IS NULL AND k.lead_id IS NULL
           AND k.opted_out_at IS NOT NULL AND k.channel IN (ccrm_consent_channel(p_channel), 'all');
        v_at := least(v_at, v_at2);
    END IF;
    RETURN v_at;
END
$$;

-- The same for everybody at once: every contact and lead whose person opted out of p_channel
-- (one of contact_id, lead_id set), starting from the opt-outs (few) instead of the people
-- (many). tests/db/test_marketing.sh checks it gives exactly the people ccrm_opted_out names.
CREATE OR REPLACE FUNCTION ccrm_opted_out_people(p_channel text)
RETURNS TABLE (contact_id bigint, lead_id bigint, opted_out_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH k AS (
        SELECT k.contact_id, k.lead_id, k.email, k.opted_out_at FROM consents k
         WHERE k.opted_out_at IS NOT NULL AND k.channel IN (ccrm_consent_channel(p_channel), 'all')
    ),
    -- the person of every opted-out record: its contact, or its lead e-mail, or the lead; of
    -- an opt-out kept after its record was deleted (070), its address's contacts or the address
    anchor AS (
        SELECT k.contact_id AS c, NULL::text AS e, NULL::bigint AS l, k.opted_out_at FROM k
         WHERE k.contact_id IS NOT NULL
        UNION ALL
        SELECT c.id, CASE WHEN c.id IS NULL THEN lower(k.email) END, NULL::bigint, k.opted_out_at
          FROM k LEFT JOIN contacts c ON lower(c.email) = lower(k.email)
         WHERE k.contact_id IS NULL AND k.lead_id IS NULL AND k.email IS NOT NULL
        UNION ALL
        SELECT coalesce(l.contact_id, c.id),
               CASE WHEN l.contact_id IS NULL AND c.id IS NULL THEN lower(l.email) END,
               CASE WHEN l.contact_id IS NULL AND c.id IS NULL AND l.email IS NULL THEN l.id END,
               k.opted_out_at
          FROM k JOIN leads l ON l.id = k.lead_id
          LEFT JOIN contacts c ON l.contact_id IS NULL AND lower(c.email) = lower(l.email)
    ),
    pc AS (SELECT a.c, min(a.opted_out_at) AS at FROM anchor a WHERE a.c IS NOT NULL GROUP BY a.c),
    pe AS (SELECT a.e, min(a.opted_out_at) AS at FROM anchor a WHERE a.e IS NOT NULL GROUP BY a.e),
    people AS (
        SELECT pc.c AS contact_id, NULL::bigint AS lead_id, pc.at FROM pc
        UNION ALL
        SELECT NULL, l.id, pc.at FROM pc JOIN leads l ON l.contact_id = pc.c
        UNION ALL
        SELECT NULL, l.id, pc.at FROM pc JOIN contacts c ON c.id = pc.c
          JOIN leads l ON l.contact_id IS NULL AND lower(l.email) = lower(c.email)
        UNION ALL
        SELECT NULL, l.id, pe.at FROM pe JOIN leads l ON l.contact_id IS NULL
                                                     AND lower(l.email) = pe.e
        UNION ALL
        SELECT NULL, a.l, a.opted_out_at FROM anchor a WHERE a.l IS NOT NULL
    )
    SELECT p.contact_id, p.lead_id, min(p.at) FROM people p
     GROUP BY p.contact_id, p.lead_id
$$;

-- The records of the person of this contact or lead (for the rules that act on a person).
CREATE OR REPLACE FUNCTION ccrm_person_records(p_contact bigint, p_lead bigint)
RETURNS TABLE (contact_id bigint, lead_id bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_c     bigint := p_contact;
    v_email text;
BEGIN
    IF v_c IS NULL THEN
        SELECT l.contact_id, lower(l.email) INTO v_c, v_email FROM leads l WHERE l.id = p_lead;
        IF v_c IS NULL AND v_email IS NOT NULL THEN
            SELECT c.id INTO v_c FROM contacts c WHERE lower(c.email) = v_email;
        END IF;
    END IF;
    IF v_c IS NOT NULL THEN
        SELECT lower(c.email) INTO v_email FROM contacts c WHERE c.id = v_c;
        RETURN QUERY
            SELECT v_c, NULL::bigint
            UNION
            SELECT NULL::bigint, l.id FROM leads l WHERE l.contact_id = v_c
            UNION
            SELECT NULL::bigint, l.id FROM leads l
             WHERE v_email IS NOT NULL AND lower(l.email) = v_email AND l.contact_id IS NULL;
    ELSIF v_email IS NOT NULL THEN
        RETURN QUERY SELECT NULL::bigint, l.id FROM leads l
                      WHERE lower(l.email) = v_email AND l.contact_id IS NULL;
    ELSIF p_lead IS NOT NULL THEN
        RETURN QUERY SELECT NULL::bigint, p_lead;
    END IF;
END
$$;

-- Remove the person of this contact or lead from every campaign that is not completed and
-- whose channel it opted out of. Returns the number of memberships removed. Called by the
-- triggers below after an opt-out, a change of who a record belongs to, and a merge. DEFINER:
-- nobody holds DELETE on campaign_members; the removals are audited and announced as the
-- person acting.
CREATE OR REPLACE FUNCTION ccrm_consent_enforce(p_contact bigint, p_lead bigint) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_n bigint;
BEGIN
    IF ccrm_restoring() THEN
        RETURN 0;
    END IF;
    -- after every transaction adding members has committed (they hold the lock shared, see
    -- ccrm_member_consent_check), so that the DELETE sees their rows: an opt-out racing a
    -- campaign add left the person a member (schema/087)
    PERFORM pg_advisory_xact_lock(ccrm_lock_key('ccrm consent'));
    DELETE FROM campaign_members m
     USING campaigns cp, ccrm_person_records(p_contact, p_lead) p
     WHERE cp.id = m.campaign_id AND cp.status <> 'completed'
       AND (m.contact_id = p.contact_id OR m.lead_id = p.lead_id)
       AND ccrm_opted_out(m.contact_id, m.lead_id, cp.channel) IS NOT NULL;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
SELECT ccrm_set_execute('ccrm_consent_enforce(bigint,bigint)');

-- Consents written (an opt-out, or the record it is on changed): the person's memberships go.
CREATE OR REPLACE FUNCTION ccrm_consent_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF ccrm_restoring() THEN
        RETURN NULL;
    END IF;
    FOR r IN SELECT DISTINCT n.contact_id, n.lead_id FROM new_rows n
              WHERE n.opted_out_at IS NOT NULL LOOP
        PERFORM ccrm_consent_enforce(r.contact_id, r.lead_id);
    END LOOP;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_consent_changed()');

-- A lead or contact that now belongs to another person (its e-mail or contact changed): if
-- that person opted out, its memberships go. A row trigger whose WHEN clause (021) compares
-- the e-mail and contact without calling anything, so every other update costs nothing here.
CREATE OR REPLACE FUNCTION ccrm_person_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF ccrm_restoring() OR NOT EXISTS (SELECT 1 FROM consents k WHERE k.opted_out_at IS NOT NULL)
    THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'leads' THEN
        PERFORM ccrm_consent_enforce(NULL, NEW.id);
    ELSE
        PERFORM ccrm_consent_enforce(NEW.id, NULL);
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_person_changed()');

-- A contact or lead deleted (ccrm_delete, a mail import's revert, any other way): its consents
-- stay (070), with the person's e-mail address written into them and their link cleared, so
-- an opt-out keeps holding for every contact and lead of that address (ccrm_opted_out), and
-- a new record of the person is not mailed again. A lead's person is its contact's address,
-- failing that its own. A BEFORE row trigger: the foreign keys' SET NULL comes after the row
-- is gone, and the address with it. A merge moves the merged record's consents to the
-- survivor before it deletes the record, so nothing is left here to keep. DEFINER: whoever
-- deletes writes the consents (stamped and audited as that person).
CREATE OR REPLACE FUNCTION ccrm_consents_kept() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'contacts' THEN
        UPDATE consents k SET email = coalesce(lower(OLD.email), k.email), contact_id = NULL
         WHERE k.contact_id = OLD.id;
    ELSE
        UPDATE consents k
           SET email = coalesce((SELECT lower(c.email) FROM contacts c WHERE c.id = OLD.contact_id),
                                lower(OLD.email), k.email),
               lead_id = NULL
         WHERE k.lead_id = OLD.id;
    END IF;
    RETURN OLD;
END
$$;
SELECT ccrm_set_execute('ccrm_consents_kept()');

-- A consent row is one person's word on one channel (migration 109): its person (contact_id,
-- lead_id, the address kept from a deleted record) and its channel stay, for everyone but the
-- schema's owner. An UPDATE that moved an opt-out to another person, or from e-mail to post,
-- ended the person's opt-out without their opting in (nobody deletes a consent row, and
-- opting in again is an update of opted_out_at and consented_at, stamped and audited), and
-- the person was mailed again. The system's own moves run as the owner: a merge moving the
-- merged record's consents to the survivor and its undo (DEFINER), a deleted record's
-- consents keeping its address (ccrm_consents_kept, DEFINER) and the foreign keys' SET NULL.
CREATE OR REPLACE FUNCTION ccrm_consent_keeps_person() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF (NEW.contact_id, NEW.lead_id, NEW.channel, NEW.email)
       IS NOT DISTINCT FROM (OLD.contact_id, OLD.lead_id, OLD.channel, OLD.email)
       OR current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                           WHERE c.oid = 'public.consents'::regclass)
       OR (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent #% is %''s word on %: its person and channel stay',
                    OLD.id,
                    CASE WHEN OLD.contact_id IS NOT NULL THEN 'contact #' || OLD.contact_id
                         WHEN OLD.lead_id IS NOT NULL THEN 'lead #' || OLD.lead_id
                         ELSE coalesce(OLD.email, 'a deleted record') END,
                    ccrm_consent_channel(OLD.channel)
        USING ERRCODE = '42501',
              HINT = 'Record another person''s or channel''s with ccrm_consent_set(); opting in again clears opted_out_at.';
END
$$;
SELECT ccrm_set_execute('ccrm_consent_keeps_person()');

-- A campaign reopened (completed -> anything else) or sent through another channel: the
-- members who opted out of its channel go.
CREATE OR REPLACE FUNCTION ccrm_campaign_reopened() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF ccrm_restoring() OR NEW.status = 'completed' THEN
        RETURN NULL;
    END IF;
    DELETE FROM campaign_members m
     USING ccrm_opted_out_people(NEW.channel) o
     WHERE m.campaign_id = NEW.id AND m.contact_id = o.contact_id;
    DELETE FROM campaign_members m
     USING ccrm_opted_out_people(NEW.channel) o
     WHERE m.campaign_id = NEW.id AND m.lead_id = o.lead_id;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_campaign_reopened()');

-- Every writer of campaign_members (psql, imports, merges, the functions below): a person who
-- opted out of the campaign's channel is not added, and not moved into a campaign that is not
-- completed. Inserts at statement level: a big one checks its rows with one join against the
-- opt-outs, a small one person by person; updates row by row, only those that move a row.
-- SQLSTATE 23514 (a check), so a merge can tell.
CREATE OR REPLACE FUNCTION ccrm_member_consent_check() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF ccrm_restoring() THEN
        RETURN NULL;
    END IF;
    -- shared with other adders, exclusive of an opt-out's enforcement: an opt-out that
    -- committed before this is seen by the statements below, and one still running waits for
    -- this transaction and then removes what it added (ccrm_consent_enforce)
    PERFORM pg_advisory_xact_lock_shared(ccrm_lock_key('ccrm consent'));
    IF (SELECT count(*) FROM new_rows) > 200 THEN
        -- the opt-outs of each channel once, joined by contact and by lead
        WITH ch AS (SELECT DISTINCT cp.channel FROM new_rows n
                      JOIN campaigns cp ON cp.id = n.campaign_id),
        o AS MATERIALIZED (SELECT ch.channel, o.* FROM ch, ccrm_opted_out_people(ch.channel) o)
        SELECT x.* INTO r FROM (
            SELECT n.contact_id, n.lead_id, cp.id AS campaign, cp.name, cp.channel, o.opted_out_at
              FROM new_rows n JOIN campaigns cp ON cp.id = n.campaign_id
              JOIN o ON o.channel = cp.channel AND o.contact_id = n.contact_id
            UNION ALL
            SELECT n.contact_id, n.lead_id, cp.id, cp.name, cp.channel, o.opted_out_at
              FROM new_rows n JOIN campaigns cp ON cp.id = n.campaign_id
              JOIN o ON o.channel = cp.channel AND o.lead_id = n.lead_id) x
         LIMIT 1;
    ELSE
        SELECT n.contact_id, n.lead_id, cp.id AS campaign, cp.name, cp.channel,
               ccrm_opted_out(n.contact_id, n.lead_id, cp.channel) AS opted_out_at
          INTO r
          FROM new_rows n JOIN campaigns cp ON cp.id = n.campaign_id
         WHERE ccrm_opted_out(n.contact_id, n.lead_id, cp.channel) IS NOT NULL
         LIMIT 1;
    END IF;
    IF r.opted_out_at IS NOT NULL THEN
        RAISE EXCEPTION '% #% opted out of % on %: not a member of campaign #% (%)',
                        CASE WHEN r.contact_id IS NOT NULL THEN 'contact' ELSE 'lead' END,
                        coalesce(r.contact_id, r.lead_id), ccrm_consent_channel(r.channel),
                        to_char(r.opted_out_at, 'YYYY-MM-DD'), r.campaign, r.name
            USING ERRCODE = '23514',
                  HINT = 'A person who opted out of a channel is never a member of its campaigns.';
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_member_consent_check()');

-- The same for an update that moves a membership to another person or campaign: a row trigger
-- whose WHEN clause (021) lets every other update (a status) through without calling this.
CREATE OR REPLACE FUNCTION ccrm_member_moved() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    cp record;
    v_at timestamptz;
BEGIN
    IF ccrm_restoring() THEN
        RETURN NULL;
    END IF;
    SELECT c.id, c.name, c.channel INTO cp FROM campaigns c
     WHERE c.id = NEW.campaign_id AND c.status <> 'completed';
    IF FOUND THEN
        v_at := ccrm_opted_out(NEW.contact_id, NEW.lead_id, cp.channel);
        IF v_at IS NOT NULL THEN
            RAISE EXCEPTION '% #% opted out of % on %: not a member of campaign #% (%)',
                            CASE WHEN NEW.contact_id IS NOT NULL THEN 'contact' ELSE 'lead' END,
                            coalesce(NEW.contact_id, NEW.lead_id), ccrm_consent_channel(cp.channel),
                            to_char(v_at, 'YYYY-MM-DD'), cp.id, cp.name
                USING ERRCODE = '23514',
                      HINT = 'A person who opted out of a channel is never a member of its campaigns.';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_member_moved()');

-- One person is a member of a campaign once, for every writer (migration 109): the unique keys
-- hold one row per contact and one per lead, but a contact and its own lead, or a lead with
-- the contact's e-mail address, or two leads of one address, are one person, whom the mailing
-- tool got twice from ccrm --export campaign_members (ccrm_campaign_add leaves such a person
-- out, "already a member (or the same person as one)", but an INSERT by psql took them).
-- A person as ccrm_campaign_add sees one: a lead's contact is its own, else the contact of its
-- address. ccrm_member_twin(campaign, member, contact, lead): another member of the campaign
-- who is that member's person (its contact and lead; no row when there is none), looked up
-- through the indexes (its contact; the contact of its address; leads of its contact or of
-- its address), so a big insert costs a few index probes a row. Inlined into the trigger's
-- query (no SET clause: its tables are named with their schema instead).
CREATE OR REPLACE FUNCTION ccrm_member_twin(p_campaign bigint, p_member bigint,
                                            p_contact bigint, p_lead bigint)
RETURNS TABLE (o_contact bigint, o_lead bigint)
LANGUAGE sql STABLE
AS $$
    WITH p AS (
        SELECT coalesce(p_contact, l.contact_id,
                        (SELECT c2.id FROM public.contacts c2
                          WHERE l.email IS NOT NULL AND lower(c2.email) = lower(l.email))) AS pc,
               lower(coalesce(c.email, l.email)) AS em
          FROM (SELECT 1) one
          LEFT JOIN public.contacts c ON c.id = p_contact
          LEFT JOIN public.leads l ON l.id = p_lead
    )
    SELECT o.contact_id, o.lead_id
      FROM p
      JOIN LATERAL (
          SELECT m.contact_id, m.lead_id FROM public.campaign_members m
           WHERE m.campaign_id = p_campaign AND m.contact_id = p.pc AND m.id <> p_member
          UNION ALL
          SELECT m.contact_id, m.lead_id FROM public.contacts c3
            JOIN public.campaign_members m ON m.campaign_id = p_campaign AND m.contact_id = c3.id
           WHERE p.em IS NOT NULL AND lower(c3.email) = p.em AND m.id <> p_member
          UNION ALL
          SELECT m.contact_id, m.lead_id FROM public.leads l3
            JOIN public.campaign_members m ON m.campaign_id = p_campaign AND m.lead_id = l3.id
           WHERE l3.contact_id = p.pc AND m.id <> p_member
          UNION ALL
          SELECT m.contact_id, m.lead_id FROM public.leads l4
            JOIN public.campaign_members m ON m.campaign_id = p_campaign AND m.lead_id = l4.id
           WHERE p.em IS NOT NULL AND lower(l4.email) = p.em AND m.id <> p_member
          LIMIT 1) o ON true
$$;

-- The rule, after each statement that adds members, and after an update that moves one to
-- another person or campaign (for everyone but the schema's owner, whose merges move
-- memberships by a rule of their own). Adders of one campaign take turns (an advisory lock
-- per campaign, in id order), so that two adding the two records of one person at once do not
-- both get in. Rows put back by an unmerge or an import's revert are left as they were.
-- INVOKER: only internal departments write members, and they see every contact, lead and
-- member.
CREATE OR REPLACE FUNCTION ccrm_member_once() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_c bigint;
    r record;
BEGIN
    IF ccrm_restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                            WHERE c.oid = 'public.campaign_members'::regclass)
           OR (SELECT x.rolsuper FROM pg_roles x WHERE x.rolname = current_user) THEN
            RETURN NULL;
        END IF;
        PERFORM pg_advisory_xact_lock(ccrm_lock_key('ccrm campaign members ' || NEW.campaign_id));
        SELECT NEW.campaign_id, NEW.contact_id, NEW.lead_id, t.o_contact, t.o_lead
          INTO r
          FROM ccrm_member_twin(NEW.campaign_id, NEW.id, NEW.contact_id, NEW.lead_id) t
         LIMIT 1;
    ELSE
        FOR v_c IN SELECT DISTINCT n.campaign_id FROM new_rows n ORDER BY 1 LOOP
            PERFORM pg_advisory_xact_lock(ccrm_lock_key('ccrm campaign members ' || v_c));
        END LOOP;
        SELECT n.campaign_id, n.contact_id, n.lead_id, t.o_contact, t.o_lead
          INTO r
          FROM new_rows n
          CROSS JOIN LATERAL ccrm_member_twin(n.campaign_id, n.id, n.contact_id, n.lead_id) t
         LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION '% #% is the same person as % #%, a member of campaign #% (%) already',
                        CASE WHEN r.contact_id IS NOT NULL THEN 'contact' ELSE 'lead' END,
                        coalesce(r.contact_id, r.lead_id),
                        CASE WHEN r.o_contact IS NOT NULL THEN 'contact' ELSE 'lead' END,
                        coalesce(r.o_contact, r.o_lead), r.campaign_id,
                        (SELECT cp.name FROM campaigns cp WHERE cp.id = r.campaign_id)
            USING ERRCODE = '23505',
                  HINT = 'A contact and its leads (or leads of its e-mail address) are one person, a member once.';
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_member_once()');

-- Record an opt-out (p_out true) or a consent (false) of a person for a channel: one consents
-- row per record and channel, kept (opting in again clears opted_out_at). An opt-out removes
-- the person from every campaign of that channel that is not completed (the trigger above).
-- A consent also ends the opt-outs of the channel kept from deleted records of the person's
-- address (070): the person said so again, and those have no record to say it on.
-- Returns the consents row. Any internal user (support hears "do not call me again" first);
-- partners may not.
CREATE OR REPLACE FUNCTION ccrm_consent_set(p_entity text, p_id bigint, p_channel text,
                                            p_out boolean, p_source text DEFAULT NULL,
                                            p_note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_id    bigint;
    v_email text;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('contacts', 'leads') THEN
        RAISE EXCEPTION 'consents are recorded for contacts and leads, not "%"',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF NOT ccrm_record_exists(p_entity, p_id) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id
            USING ERRCODE = 'P0002', HINT = 'It does not exist, or you cannot see it.';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot record consents' USING ERRCODE = '42501';
    END IF;
    IF p_channel IS NULL OR p_channel NOT IN ('email', 'phone', 'post', 'all') THEN
        RAISE EXCEPTION 'unknown channel "%"', coalesce(p_channel, 'NULL')
            USING ERRCODE = '22023', HINT = 'Channels: email, phone, post, all.';
    END IF;
    -- the limits of the columns (021), said with the numbers: the client shows these words
    IF length(btrim(p_source)) > 200 THEN
        RAISE EXCEPTION 'where it was said is at most 200 characters (this has %)',
                        length(btrim(p_source))
            USING ERRCODE = '22001';
    END IF;
    IF length(btrim(p_note)) > 2000 THEN
        RAISE EXCEPTION 'a note is at most 2000 characters (this one has %)', length(btrim(p_note))
            USING ERRCODE = '22001';
    END IF;
    IF p_entity = 'contacts' THEN
        SELECT k.id INTO v_id FROM consents k WHERE k.contact_id = p_id AND k.channel = p_channel;
    ELSE
        SELECT k.id INTO v_id FROM consents k WHERE k.lead_id = p_id AND k.channel = p_channel;
    END IF;
    IF v_id IS NULL THEN
        INSERT INTO consents (contact_id, lead_id, channel, consented_at, opted_out_at, source,
                              note)
        VALUES (CASE WHEN p_entity = 'contacts' THEN p_id END,
                CASE WHEN p_entity = 'leads' THEN p_id END, p_channel,
                CASE WHEN NOT p_out THEN now() END, CASE WHEN p_out THEN now() END,
                coalesce(nullif(btrim(p_source), ''), 'by hand'), nullif(btrim(p_note), ''))
        RETURNING id INTO v_id;
    ELSIF p_out THEN
        UPDATE consents k SET opted_out_at = coalesce(k.opted_out_at, now()),
                              source = coalesce(nullif(btrim(p_source), ''), k.source),
                              note = coalesce(nullif(btrim(p_note), ''), k.note)
         WHERE k.id = v_id;
    ELSE
        UPDATE consents k SET opted_out_at = NULL, consented_at = now(),
                              source = coalesce(nullif(btrim(p_source), ''), 'by hand'),
                              note = coalesce(nullif(btrim(p_note), ''), k.note)
         WHERE k.id = v_id;
    END IF;
    IF NOT p_out THEN
        -- the person's address as ccrm_opted_out finds it: a lead's contact's, else its own
        IF p_entity = 'contacts' THEN
            SELECT lower(c.email) INTO v_email FROM contacts c WHERE c.id = p_id;
        ELSE
            SELECT lower(CASE WHEN l.contact_id IS NOT NULL THEN c.email ELSE l.email END)
              INTO v_email
              FROM leads l LEFT JOIN contacts c ON c.id = l.contact_id WHERE l.id = p_id;
        END IF;
        UPDATE consents k SET opted_out_at = NULL, consented_at = now(),
                              source = coalesce(nullif(btrim(p_source), ''), 'by hand'),
                              note = coalesce(nullif(btrim(p_note), ''), k.note)
         WHERE lower(k.email) = v_email AND k.contact_id IS NULL AND k.lead_id IS NULL
           AND k.channel = p_channel AND k.opted_out_at IS NOT NULL;
    END IF;
    RETURN v_id;
END
$$;
SELECT ccrm_set_execute('ccrm_consent_set(text,bigint,text,boolean,text,text)', 'ccrm_internal',
                        'ccrm_partner');

-- Members marked "unsubscribed" (the member status of before consents) opted out of the
-- campaign's channel then: record those opt-outs (once; run it after upgrading to 021 when
-- marketing agrees). Returns the number of opt-outs recorded. Whoever may write consents.
CREATE OR REPLACE FUNCTION ccrm_consents_from_unsubscribed() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n  bigint;
    n2 bigint;
BEGIN
    INSERT INTO consents (contact_id, channel, opted_out_at, source)
    SELECT DISTINCT ON (m.contact_id, ch) m.contact_id, ch, m.updated_at,
           'unsubscribed from campaign #' || m.campaign_id
      FROM campaign_members m JOIN campaigns cp ON cp.id = m.campaign_id,
           LATERAL (SELECT ccrm_consent_channel(cp.channel) AS ch) c
     WHERE m.status = 'unsubscribed' AND m.contact_id IS NOT NULL
     ORDER BY m.contact_id, ch, m.updated_at
    ON CONFLICT (contact_id, channel) DO UPDATE
       SET opted_out_at = excluded.opted_out_at, source = excluded.source
     WHERE consents.opted_out_at IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO consents (lead_id, channel, opted_out_at, source)
    SELECT DISTINCT ON (m.lead_id, ch) m.lead_id, ch, m.updated_at,
           'unsubscribed from campaign #' || m.campaign_id
      FROM campaign_members m JOIN campaigns cp ON cp.id = m.campaign_id,
           LATERAL (SELECT ccrm_consent_channel(cp.channel) AS ch) c
     WHERE m.status = 'unsubscribed' AND m.lead_id IS NOT NULL
     ORDER BY m.lead_id, ch, m.updated_at
    ON CONFLICT (lead_id, channel) DO UPDATE
       SET opted_out_at = excluded.opted_out_at, source = excluded.source
     WHERE consents.opted_out_at IS NULL;
    GET DIAGNOSTICS n2 = ROW_COUNT;
    RETURN n + n2;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Interests
-- ---------------------------------------------------------------------------------------

-- Record that a person (contact or lead) or an account is interested in a product or a topic
-- (the `i` key on a record). p_source: ticket, call, mail, meeting, chat, signal, hand (by
-- hand, the default); p_source_entity/p_source_id the record it was learned from (tickets,
-- deals (opportunities: `i` on a deal records it on the deal's account),
-- interactions or messages), kept with the interest. The same product or topic recorded
-- again from the same source record is not doubled: its id is returned. Any internal user;
-- partners may not (after the visibility check, so an unshared record is "not found"). A
-- partner reads the interest only while it sees both the person (or account) and the source
-- record, and never a sales signal's (schema/061: the policies decide, for every writer).
CREATE OR REPLACE FUNCTION ccrm_interest_add(p_entity text, p_id bigint, p_product text,
                                             p_topic text DEFAULT NULL,
                                             p_source text DEFAULT 'hand',
                                             p_source_entity text DEFAULT NULL,
                                             p_source_id bigint DEFAULT NULL,
                                             p_note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_product text := nullif(btrim(p_product), '');
    v_topic   text := nullif(btrim(p_topic), '');
    v_source  text := coalesce(nullif(btrim(p_source), ''), 'hand');
    v_note    text := nullif(btrim(p_note), '');
    v_id      bigint;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('contacts', 'leads', 'accounts') THEN
        RAISE EXCEPTION 'interests are recorded for contacts, leads and accounts, not "%"',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF NOT ccrm_record_exists(p_entity, p_id) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id
            USING ERRCODE = 'P0002', HINT = 'It does not exist, or you cannot see it.';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot record interests' USING ERRCODE = '42501';
    END IF;
    IF v_product IS NULL AND v_topic IS NULL THEN
        RAISE EXCEPTION 'name a product or a topic' USING ERRCODE = '22023';
    END IF;
    -- the limits of the columns (021), said with the numbers: the client shows these words
    IF length(v_product) > 200 OR length(v_topic) > 200 THEN
        RAISE EXCEPTION 'a % is at most 200 characters (this one has %)',
                        CASE WHEN length(v_product) > 200 THEN 'product' ELSE 'topic' END,
                        greatest(length(v_product), length(v_topic))
            USING ERRCODE = '22001';
    END IF;
    IF length(v_note) > 2000 THEN
        RAISE EXCEPTION 'a note is at most 2000 characters (this one has %)', length(v_note)
            USING ERRCODE = '22001';
    END IF;
    -- the record it was learned from exists and the caller sees it: a mail by the messages'
    -- policy (ccrm_record_exists does not know mail), so no interest names a mail that is not
    -- there (which 061 would hide from partners for good, and which would mislead everyone)
    IF p_source_entity IS NOT NULL
       AND NOT (CASE WHEN p_source_entity = 'messages'
                     THEN EXISTS (SELECT 1 FROM messages m WHERE m.id = p_source_id)
                     ELSE ccrm_record_exists(p_source_entity, p_source_id) END) THEN
        RAISE EXCEPTION '% #% not found',
                        CASE WHEN p_source_entity = 'messages' THEN 'mail'
                             ELSE ccrm_entity_noun(p_source_entity) END, p_source_id
            USING ERRCODE = 'P0002';
    END IF;
    -- the same product or topic from the same record is not doubled, but only into a row every
    -- reader sees alike: a sales signal's interest is never shown to partners (061), so one
    -- recorded by hand from the same ticket, which a partner of the ticket may read, is a row
    -- of its own (and a signal after it gets its own too, with its internal note)
    SELECT i.id INTO v_id FROM interests i
     WHERE (i.contact_id, i.lead_id, i.account_id)
           IS NOT DISTINCT FROM (CASE WHEN p_entity = 'contacts' THEN p_id END,
                                 CASE WHEN p_entity = 'leads' THEN p_id END,
                                 CASE WHEN p_entity = 'accounts' THEN p_id END)
       AND ccrm_fold(coalesce(i.product, '')) = ccrm_fold(coalesce(v_product, ''))
       AND ccrm_fold(coalesce(i.topic, '')) = ccrm_fold(coalesce(v_topic, ''))
       AND i.source_entity IS NOT DISTINCT FROM p_source_entity
       AND i.source_id IS NOT DISTINCT FROM p_source_id
       AND (i.source = 'signal') = (v_source = 'signal')
       AND p_source_id IS NOT NULL
     LIMIT 1;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    INSERT INTO interests (contact_id, lead_id, account_id, product, topic, source, source_entity,
                           source_id, note)
    VALUES (CASE WHEN p_entity = 'contacts' THEN p_id END,
            CASE WHEN p_entity = 'leads' THEN p_id END,
            CASE WHEN p_entity = 'accounts' THEN p_id END,
            v_product, v_topic, v_source, p_source_entity, p_source_id, v_note)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
SELECT ccrm_set_execute('ccrm_interest_add(text,bigint,text,text,text,text,bigint,text)',
                        'ccrm_internal', 'ccrm_partner');

-- The interests shown on a record's 360 view, newest first, at most p_limit: a contact's own
-- and those recorded on its leads; a lead's own and its contact's; an account's own and those
-- of its people (up to 200 contacts and 200 leads, by the indexes of 008 and 021). Each branch
-- is an index range read newest first, merged under one LIMIT (docs/architecture.md).
CREATE OR REPLACE FUNCTION ccrm_record_interests(p_entity text, p_id bigint,
                                                 p_limit int DEFAULT 20)
RETURNS TABLE (id bigint, created_at timestamptz, created_by text, subject_entity text,
               subject_id bigint, subject text, product text, topic text, source text,
               source_entity text, source_id bigint, note text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH subj AS (
        SELECT 'contacts'::text AS e, p_id AS i WHERE p_entity = 'contacts'
        UNION ALL
        SELECT 'leads', l.id FROM (SELECT l.id FROM leads l WHERE p_entity = 'contacts'
                                   AND l.contact_id = p_id ORDER BY l.id DESC LIMIT 20) l
        UNION ALL
        SELECT 'leads', p_id WHERE p_entity = 'leads'
        UNION ALL
        SELECT 'contacts', l.contact_id FROM leads l
         WHERE p_entity = 'leads' AND l.id = p_id AND l.contact_id IS NOT NULL
        UNION ALL
        SELECT 'accounts', p_id WHERE p_entity = 'accounts'
        UNION ALL
        SELECT 'contacts', c.id FROM (SELECT c.id FROM contacts c WHERE p_entity = 'accounts'
                                      AND c.account_id = p_id ORDER BY c.id DESC LIMIT 200) c
        UNION ALL
        SELECT 'leads', l.id FROM (SELECT l.id FROM leads l WHERE p_entity = 'accounts'
                                   AND l.account_id = p_id ORDER BY l.id DESC LIMIT 200) l
    )
    SELECT x.id, x.created_at, x.created_by, s.e, s.i,
           CASE s.e WHEN 'accounts' THEN (SELECT a.name FROM accounts a WHERE a.id = s.i)
                    WHEN 'contacts' THEN (SELECT concat_ws(' ', c.first_name, c.last_name)
                                            FROM contacts c WHERE c.id = s.i)
                    ELSE (SELECT coalesce(nullif(concat_ws(' ', l.first_name, l.last_name), ''),
                                          l.company, l.email)
                            FROM leads l WHERE l.id = s.i) END,
           x.product, x.topic, x.source, x.source_entity, x.source_id, x.note
      FROM subj s
      CROSS JOIN LATERAL (
          (SELECT i.* FROM interests i WHERE s.e = 'contacts' AND i.contact_id = s.i
            ORDER BY i.created_at DESC, i.id DESC LIMIT p_limit)
          UNION ALL
          (SELECT i.* FROM interests i WHERE s.e = 'leads' AND i.lead_id = s.i
            ORDER BY i.created_at DESC, i.id DESC LIMIT p_limit)
          UNION ALL
          (SELECT i.* FROM interests i WHERE s.e = 'accounts' AND i.account_id = s.i
            ORDER BY i.created_at DESC, i.id DESC LIMIT p_limit)) x
     ORDER BY x.created_at DESC, x.id DESC
     LIMIT p_limit
$$;

-- ---------------------------------------------------------------------------------------
-- Segments: saved, named filters over contacts and leads
--
-- A definition is JSON with a fixed vocabulary (docs/architecture.md "Segments" lists it):
--   {"entity": "contacts" | "leads" | "people", "match": "all" | "any", "rules": [RULE, ...]}
--   RULE: {"field": F, "op": OP, "value": V}       a column of the person
--         {"account": {"field": F, "op": OP, "value": V}}
--         {"interest": {"product"|"topic"|"text": S, "source": S, "within_days": N}}
--         {"ticket": {"product": S, "status": [S], "priority": [S], "open": B,
--                     "subject_contains": S, "within_days": N}}
--         {"deal": {"stage": [S], "open": B, "won": B, "min_amount": N, "max_amount": N,
--                   "within_days": N}}
--         {"campaign": {"id": N, "status": [S]}}           a member (with that status)
--         {"response": {"campaign": N, "status": [S], "within_days": N}}
--         {"all": [RULE]} | {"any": [RULE]} | {"not": RULE}
-- Nothing of it is ever SQL: keys and operators are looked up in the fixed lists below (a
-- word not in them is an error naming its place), identifiers come only from those lists,
-- and every value enters the query through quote_literal() with a cast to its type. The
-- query is run by SECURITY INVOKER functions, so the caller's row-level security applies to
-- every table it reads: a partner's segment finds only people it may see.
-- ---------------------------------------------------------------------------------------

-- A problem in a definition, at a place ("rules[2].ticket.status").
CREATE OR REPLACE FUNCTION ccrm_segment_error(p_path text, p_msg text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog
AS $$
BEGIN
    RAISE EXCEPTION 'invalid segment: %: %', p_path, p_msg USING ERRCODE = '22023',
        HINT = 'docs/architecture.md, "Segments", lists what a segment may say.';
END
$$;

-- A string value of a definition: text of 1 to 200 characters, quoted for SQL.
CREATE OR REPLACE FUNCTION ccrm_segment_str(p_v jsonb, p_path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF p_v IS NULL OR jsonb_typeof(p_v) <> 'string' OR length(p_v #>> '{}') NOT BETWEEN 1 AND 200
    THEN
        PERFORM ccrm_segment_error(p_path, 'expected a text of 1 to 200 characters');
    END IF;
    RETURN quote_literal(p_v #>> '{}');
END
$$;

-- A number value (optionally whole, within bounds), as SQL numeric text.
CREATE OR REPLACE FUNCTION ccrm_segment_num(p_v jsonb, p_path text, p_whole boolean DEFAULT false,
                                            p_min numeric DEFAULT NULL,
                                            p_max numeric DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v numeric;
BEGIN
    IF p_v IS NULL OR jsonb_typeof(p_v) <> 'number' THEN
        PERFORM ccrm_segment_error(p_path, 'expected a number');
    END IF;
    v := (p_v #>> '{}')::numeric;
    IF (p_whole AND v <> trunc(v)) OR v < p_min OR v > p_max OR abs(v) > 1e15 THEN
        PERFORM ccrm_segment_error(p_path, CASE WHEN p_whole THEN 'expected a whole number'
                                                ELSE 'expected a number' END
                                           || coalesce(' from ' || p_min, '')
                                           || coalesce(' to ' || p_max, ''));
    END IF;
    RETURN quote_literal(v::text) || '::numeric';
END
$$;

-- A date value ("2026-11-01"), as a SQL date literal.
CREATE OR REPLACE FUNCTION ccrm_segment_date(p_v jsonb, p_path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    d date;
BEGIN
    IF p_v IS NULL OR jsonb_typeof(p_v) <> 'string' OR (p_v #>> '{}') !~ '^\d{4}-\d{2}-\d{2}$' THEN
        PERFORM ccrm_segment_error(p_path, 'expected a date (YYYY-MM-DD)');
    END IF;
    BEGIN
        d := (p_v #>> '{}')::date;
    EXCEPTION WHEN others THEN
        PERFORM ccrm_segment_error(p_path, 'expected a date (YYYY-MM-DD)');
    END;
    RETURN quote_literal(d::text) || '::date';
END
$$;

-- A list of strings (1 to 50), each folded and quoted: "(lit, lit)".
CREATE OR REPLACE FUNCTION ccrm_segment_list(p_v jsonb, p_path text, p_allowed text[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_out text[] := '{}';
    v_e   jsonb;
    i     int := 0;
BEGIN
    IF p_v IS NULL OR jsonb_typeof(p_v) <> 'array' OR jsonb_array_length(p_v) NOT BETWEEN 1 AND 50
    THEN
        PERFORM ccrm_segment_error(p_path, 'expected a list of 1 to 50 texts');
    END IF;
    FOR v_e IN SELECT e FROM jsonb_array_elements(p_v) e LOOP
        PERFORM ccrm_segment_str(v_e, p_path || '[' || i || ']');
        IF p_allowed IS NOT NULL AND NOT (v_e #>> '{}') = ANY (p_allowed) THEN
            PERFORM ccrm_segment_error(p_path || '[' || i || ']',
                                       format('unknown value %s (known: %s)',
                                              quote_literal(v_e #>> '{}'),
                                              array_to_string(p_allowed, ', ')));
        END IF;
        v_out := v_out || quote_literal(CASE WHEN p_allowed IS NULL THEN ccrm_fold(v_e #>> '{}')
                                             ELSE v_e #>> '{}' END);
        i := i + 1;
    END LOOP;
    RETURN '(' || array_to_string(v_out, ', ') || ')';
END
$$;

-- An object's keys must all be known.
CREATE OR REPLACE FUNCTION ccrm_segment_keys(p_obj jsonb, p_path text, p_known text[])
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    k text;
BEGIN
    IF p_obj IS NULL OR jsonb_typeof(p_obj) <> 'object' THEN
        PERFORM ccrm_segment_error(p_path, 'expected an object');
    END IF;
    SELECT x INTO k FROM jsonb_object_keys(p_obj) x WHERE NOT x = ANY (p_known) ORDER BY x LIMIT 1;
    IF k IS NOT NULL THEN
        PERFORM ccrm_segment_error(p_path, format('unknown key %s (known: %s)', quote_literal(k),
                                                  array_to_string(p_known, ', ')));
    END IF;
END
$$;

-- The condition "within the last N days" on a time column.
CREATE OR REPLACE FUNCTION ccrm_segment_days(p_col text, p_v jsonb, p_path text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
    SELECT p_col || ' >= now() - make_interval(days => '
           || ccrm_segment_num(p_v, p_path, true, 1, 36500) || '::int)'
$$;

-- A comparison {"field", "op", "value"} on one column. p_fields: the known fields as
-- name -> [SQL expression, type]; types text, number, time.
CREATE OR REPLACE FUNCTION ccrm_segment_compare(p_rule jsonb, p_path text, p_fields jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_field text := p_rule ->> 'field';
    v_op    text := p_rule ->> 'op';
    v_val   jsonb := p_rule -> 'value';
    v_col   text;
    v_type  text;
    v_vp    text := p_path || '.value';
BEGIN
    PERFORM ccrm_segment_keys(p_rule, p_path, ARRAY['field', 'op', 'value']);
    IF v_field IS NULL OR NOT p_fields ? v_field THEN
        PERFORM ccrm_segment_error(p_path || '.field',
                                   format('unknown field %s (known: %s)',
                                          quote_literal(coalesce(v_field, '')),
                                          (SELECT string_agg(k, ', ' ORDER BY k)
                                             FROM jsonb_object_keys(p_fields) k)));
    END IF;
    v_col := p_fields -> v_field ->> 0;   -- from the fixed list, never from the definition
    v_type := p_fields -> v_field ->> 1;
    IF v_op IN ('is_set', 'is_empty') THEN
        IF v_val IS NOT NULL THEN
            PERFORM ccrm_segment_error(v_vp, v_op || ' takes no value');
        END IF;
        RETURN CASE WHEN v_type = 'text' THEN
                    CASE v_op WHEN 'is_set' THEN format('coalesce(btrim(%s), '''') <> ''''', v_col)
                              ELSE format('coalesce(btrim(%s), '''') = ''''', v_col) END
               ELSE format('%s IS %s NULL', v_col, CASE v_op WHEN 'is_set' THEN 'NOT' ELSE '' END)
               END;
    END IF;
    IF v_type = 'text' THEN
        CASE v_op
            WHEN 'eq' THEN
                RETURN format('ccrm_fold(%s) = ccrm_fold(%s)', v_col, ccrm_segment_str(v_val, v_vp));
            WHEN 'ne' THEN
                RETURN format('ccrm_fold(%s) IS DISTINCT FROM ccrm_fold(%s)', v_col,
                              ccrm_segment_str(v_val, v_vp));
            WHEN 'in' THEN
                RETURN format('ccrm_fold(%s) IN %s', v_col, ccrm_segment_list(v_val, v_vp));
            WHEN 'contains', 'starts_with', 'ends_with' THEN
                PERFORM ccrm_segment_str(v_val, v_vp);
                RETURN format('ccrm_fold(%s) LIKE %s', v_col,
                              quote_literal(CASE WHEN v_op <> 'starts_with' THEN '%' ELSE '' END
                                            || regexp_replace(ccrm_fold(v_val #>> '{}'),
                                                              '([\\%_])', '\\\1', 'g')
                                            || CASE WHEN v_op <> 'ends_with' THEN '%' ELSE '' END));
            ELSE NULL;
        END CASE;
        PERFORM ccrm_segment_error(p_path || '.op',
            format('unknown operator %s for a text (known: eq, ne, in, contains, starts_with, '
                   'ends_with, is_set, is_empty)', quote_literal(coalesce(v_op, ''))));
    ELSIF v_type = 'number' THEN
        CASE v_op
            WHEN 'eq' THEN RETURN v_col || ' = ' || ccrm_segment_num(v_val, v_vp);
            WHEN 'ne' THEN RETURN v_col || ' IS DISTINCT FROM ' || ccrm_segment_num(v_val, v_vp);
            WHEN 'lt' THEN RETURN v_col || ' < ' || ccrm_segment_num(v_val, v_vp);
            WHEN 'le' THEN RETURN v_col || ' <= ' || ccrm_segment_num(v_val, v_vp);
            WHEN 'gt' THEN RETURN v_col || ' > ' || ccrm_segment_num(v_val, v_vp);
            WHEN 'ge' THEN RETURN v_col || ' >= ' || ccrm_segment_num(v_val, v_vp);
            WHEN 'between' THEN
                IF jsonb_typeof(v_val) IS DISTINCT FROM 'array' OR jsonb_array_length(v_val) <> 2 THEN
                    PERFORM ccrm_segment_error(v_vp, 'expected [low, high]');
                END IF;
                v_col := v_col || ' BETWEEN ' || ccrm_segment_num(v_val -> 0, v_vp || '[0]')
                         || ' AND ' || ccrm_segment_num(v_val -> 1, v_vp || '[1]');
                -- (numbers both, as ccrm_segment_num said: a high bound below the low one
                -- matches nobody, which is a mistake)
                IF (v_val ->> 0)::numeric > (v_val ->> 1)::numeric THEN
                    PERFORM ccrm_segment_error(v_vp, 'expected [low, high]: the low bound first');
                END IF;
                RETURN v_col;
            ELSE NULL;
        END CASE;
        PERFORM ccrm_segment_error(p_path || '.op',
            format('unknown operator %s for a number (known: eq, ne, lt, le, gt, ge, between, '
                   'is_set, is_empty)', quote_literal(coalesce(v_op, ''))));
    ELSE
        CASE v_op
            WHEN 'before' THEN RETURN v_col || ' < ' || ccrm_segment_date(v_val, v_vp);
            WHEN 'after' THEN
                RETURN v_col || ' >= ' || ccrm_segment_date(v_val, v_vp) || ' + 1';
            WHEN 'within_days' THEN RETURN ccrm_segment_days(v_col, v_val, v_vp);
            WHEN 'older_than_days' THEN
                RETURN v_col || ' < now() - make_interval(days => '
                       || ccrm_segment_num(v_val, v_vp, true, 1, 36500) || '::int)';
            ELSE NULL;
        END CASE;
        PERFORM ccrm_segment_error(p_path || '.op',
            format('unknown operator %s for a time (known: before, after, within_days, '
                   'older_than_days, is_set, is_empty)', quote_literal(coalesce(v_op, ''))));
    END IF;
    RETURN NULL;
END
$$;

-- "The person has a row of p_table (interests, campaign_members, campaign_responses: keyed by
-- contact_id or lead_id) matching p_cond (on alias x)": the people of the matching rows as an
-- uncorrelated set, so the planner hashes it once (or joins it) instead of probing per person.
-- A contact's rows include those of its leads; a lead's those of its person's contact (pc).
CREATE OR REPLACE FUNCTION ccrm_segment_person(p_table text, p_entity text, p_cond text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT CASE p_entity
        WHEN 'contacts' THEN
            format('p.id IN (SELECT x.contact_id FROM %1$s x WHERE x.contact_id IS NOT NULL AND %2$s'
                   ' UNION ALL SELECT l2.contact_id FROM %1$s x JOIN leads l2 ON l2.id = x.lead_id'
                   ' WHERE l2.contact_id IS NOT NULL AND %2$s)', p_table, p_cond)
        ELSE
            format('(p.id IN (SELECT x.lead_id FROM %1$s x WHERE x.lead_id IS NOT NULL AND %2$s)'
                   ' OR pc IN (SELECT x.contact_id FROM %1$s x WHERE x.contact_id IS NOT NULL'
                   ' AND %2$s))', p_table, p_cond)
    END
$$;

-- One rule as a SQL condition on the person row "p" of p_entity (contacts or leads). The
-- person's contact is "pc" and its account "pa" (columns of the query ccrm_segment_sql
-- builds).
CREATE OR REPLACE FUNCTION ccrm_segment_rule(p_rule jsonb, p_entity text, p_path text,
                                             p_depth int DEFAULT 0)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_kind  text;
    v_body  jsonb;
    v_parts text[] := '{}';
    v_p     text;
    v_e     jsonb;
    v_cond  text[];
    i       int := 0;
BEGIN
    IF p_depth > 6 THEN
        PERFORM ccrm_segment_error(p_path, 'rules nest at most 6 deep');
    END IF;
    IF p_rule IS NULL OR jsonb_typeof(p_rule) <> 'object' THEN
        PERFORM ccrm_segment_error(p_path, 'expected a rule (an object)');
    END IF;
    IF p_rule ? 'field' THEN
        RETURN ccrm_segment_compare(p_rule, p_path, CASE p_entity
            WHEN 'contacts' THEN '{"first_name": ["p.first_name", "text"],
                                   "last_name": ["p.last_name", "text"],
                                   "email": ["p.email", "text"], "phone": ["p.phone", "text"],
                                   "title": ["p.title", "text"], "owner": ["p.owner", "text"],
                                   "created_at": ["p.created_at", "time"],
                                   "updated_at": ["p.updated_at", "time"]}'::jsonb
            ELSE '{"first_name": ["p.first_name", "text"], "last_name": ["p.last_name", "text"],
                   "email": ["p.email", "text"], "company": ["p.company", "text"],
                   "source": ["p.source", "text"], "status": ["p.status", "text"],
                   "score": ["p.score", "number"], "owner": ["p.owner", "text"],
                   "created_at": ["p.created_at", "time"],
                   "updated_at": ["p.updated_at", "time"]}'::jsonb END);
    END IF;
    IF (SELECT count(*) FROM jsonb_object_keys(p_rule)) <> 1 THEN
        PERFORM ccrm_segment_error(p_path, 'a rule has one key: field (with op and value), '
                                           'account, interest, ticket, deal, campaign, response, '
                                           'all, any or not');
    END IF;
    SELECT k INTO v_kind FROM jsonb_object_keys(p_rule) k;
    v_body := p_rule -> v_kind;
    v_p := p_path || '.' || v_kind;
    CASE v_kind
    WHEN 'all', 'any' THEN
        IF jsonb_typeof(v_body) IS DISTINCT FROM 'array' OR jsonb_array_length(v_body) NOT BETWEEN 1 AND 50
        THEN
            PERFORM ccrm_segment_error(v_p, 'expected a list of 1 to 50 rules');
        END IF;
        FOR v_e IN SELECT e FROM jsonb_array_elements(v_body) e LOOP
            v_parts := v_parts || ('(' || ccrm_segment_rule(v_e, p_entity,
                                                            v_p || '[' || i || ']',
                                                            p_depth + 1) || ')');
            i := i + 1;
        END LOOP;
        RETURN array_to_string(v_parts, CASE v_kind WHEN 'all' THEN ' AND ' ELSE ' OR ' END);
    WHEN 'not' THEN
        RETURN 'NOT coalesce((' || ccrm_segment_rule(v_body, p_entity, v_p, p_depth + 1)
               || '), false)';
    WHEN 'account' THEN
        RETURN 'pa IN (SELECT a.id FROM accounts a WHERE '
               || ccrm_segment_compare(v_body, v_p,
                      '{"name": ["a.name", "text"], "domain": ["a.domain", "text"],
                        "industry": ["a.industry", "text"], "city": ["a.city", "text"],
                        "country": ["a.country", "text"], "owner": ["a.owner", "text"],
                        "employees": ["a.employees", "number"],
                        "annual_revenue": ["a.annual_revenue", "number"],
                        "created_at": ["a.created_at", "time"]}'::jsonb) || ')';
    WHEN 'interest' THEN
        PERFORM ccrm_segment_keys(v_body, v_p, ARRAY['product', 'topic', 'text', 'source',
                                                     'within_days']);
        v_cond := ARRAY['true'];
        IF v_body ? 'product' THEN
            v_cond := v_cond || ('ccrm_fold(x.product) = ccrm_fold('
                                 || ccrm_segment_str(v_body -> 'product', v_p || '.product') || ')');
        END IF;
        IF v_body ? 'topic' THEN
            v_cond := v_cond || ('ccrm_fold(x.topic) = ccrm_fold('
                                 || ccrm_segment_str(v_body -> 'topic', v_p || '.topic') || ')');
        END IF;
        IF v_body ? 'text' THEN
            PERFORM ccrm_segment_str(v_body -> 'text', v_p || '.text');
            v_cond := v_cond || ('x.search LIKE ' || quote_literal('%' || regexp_replace(
                                     ccrm_fold(v_body ->> 'text'), '([\\%_])', '\\\1', 'g') || '%'));
        END IF;
        IF v_body ? 'source' THEN
            v_cond := v_cond || ('x.source IN ' || ccrm_segment_list(
                                     CASE WHEN jsonb_typeof(v_body -> 'source') = 'string'
                                          THEN jsonb_build_array(v_body -> 'source')
                                          ELSE v_body -> 'source' END, v_p || '.source',
                                     ARRAY['ticket', 'call', 'mail', 'meeting', 'chat', 'signal',
                                           'hand', 'import']));
        END IF;
        IF v_body ? 'within_days' THEN
            v_cond := v_cond || ccrm_segment_days('x.created_at', v_body -> 'within_days',
                                                  v_p || '.within_days');
        END IF;
        RETURN ccrm_segment_person('interests', p_entity, array_to_string(v_cond, ' AND '));
    WHEN 'ticket' THEN
        PERFORM ccrm_segment_keys(v_body, v_p, ARRAY['product', 'status', 'priority', 'open',
                                                     'subject_contains', 'within_days']);
        v_cond := ARRAY['t.contact_id IS NOT NULL'];
        IF v_body ? 'product' THEN
            v_cond := v_cond || ('ccrm_fold(t.product) = ccrm_fold('
                                 || ccrm_segment_str(v_body -> 'product', v_p || '.product') || ')');
        END IF;
        IF v_body ? 'status' THEN
            v_cond := v_cond || ('t.status IN ' || ccrm_segment_list(v_body -> 'status',
                                     v_p || '.status', ARRAY['new', 'open', 'pending', 'solved',
                                                             'closed']));
        END IF;
        IF v_body ? 'priority' THEN
            v_cond := v_cond || ('t.priority IN ' || ccrm_segment_list(v_body -> 'priority',
                                     v_p || '.priority', ARRAY['low', 'normal', 'high', 'urgent']));
        END IF;
        IF v_body ? 'open' THEN
            IF jsonb_typeof(v_body -> 'open') <> 'boolean' THEN
                PERFORM ccrm_segment_error(v_p || '.open', 'expected true or false');
            END IF;
            v_cond := v_cond || CASE WHEN (v_body ->> 'open')::boolean
                                     THEN 't.status NOT IN (''solved'', ''closed'')'
                                     ELSE 't.status IN (''solved'', ''closed'')' END;
        END IF;
        IF v_body ? 'subject_contains' THEN
            PERFORM ccrm_segment_str(v_body -> 'subject_contains', v_p || '.subject_contains');
            v_cond := v_cond || ('ccrm_fold(t.subject) LIKE ' || quote_literal('%' || regexp_replace(
                                     ccrm_fold(v_body ->> 'subject_contains'), '([\\%_])', '\\\1',
                                     'g') || '%'));
        END IF;
        IF v_body ? 'within_days' THEN
            v_cond := v_cond || ccrm_segment_days('t.created_at', v_body -> 'within_days',
                                                  v_p || '.within_days');
        END IF;
        RETURN 'pc IN (SELECT t.contact_id FROM tickets t WHERE ' || array_to_string(v_cond, ' AND ')
               || ')';
    WHEN 'deal' THEN
        PERFORM ccrm_segment_keys(v_body, v_p, ARRAY['stage', 'open', 'won', 'min_amount',
                                                     'max_amount', 'within_days']);
        v_cond := ARRAY['o.account_id IS NOT NULL'];
        IF v_body ? 'stage' THEN
            v_cond := v_cond || ('o.stage IN ' || ccrm_segment_list(v_body -> 'stage',
                                     v_p || '.stage', ARRAY['prospecting', 'qualification',
                                                            'proposal', 'negotiation', 'won',
                                                            'lost']));
        END IF;
        IF v_body ? 'open' THEN
            IF jsonb_typeof(v_body -> 'open') <> 'boolean' THEN
                PERFORM ccrm_segment_error(v_p || '.open', 'expected true or false');
            END IF;
            v_cond := v_cond || CASE WHEN (v_body ->> 'open')::boolean
                                     THEN 'o.stage NOT IN (''won'', ''lost'')'
                                     ELSE 'o.stage IN (''won'', ''lost'')' END;
        END IF;
        IF v_body ? 'won' THEN
            IF jsonb_typeof(v_body -> 'won') <> 'boolean' THEN
                PERFORM ccrm_segment_error(v_p || '.won', 'expected true or false');
            END IF;
            v_cond := v_cond || CASE WHEN (v_body ->> 'won')::boolean THEN 'o.stage = ''won'''
                                     ELSE 'o.stage <> ''won''' END;
        END IF;
        IF v_body ? 'min_amount' THEN
            v_cond := v_cond || ('o.amount >= ' || ccrm_segment_num(v_body -> 'min_amount',
                                                                    v_p || '.min_amount'));
        END IF;
        IF v_body ? 'max_amount' THEN
            v_cond := v_cond || ('o.amount <= ' || ccrm_segment_num(v_body -> 'max_amount',
                                                                    v_p || '.max_amount'));
        END IF;
        IF v_body ? 'within_days' THEN
            v_cond := v_cond || ccrm_segment_days('o.created_at', v_body -> 'within_days',
                                                  v_p || '.within_days');
        END IF;
        RETURN 'pa IN (SELECT o.account_id FROM opportunities o WHERE '
               || array_to_string(v_cond, ' AND ') || ')';
    WHEN 'campaign' THEN
        PERFORM ccrm_segment_keys(v_body, v_p, ARRAY['id', 'status']);
        v_cond := ARRAY['x.campaign_id = ' || ccrm_segment_num(v_body -> 'id', v_p || '.id',
                                                               true, 1) || '::bigint'];
        IF v_body ? 'status' THEN
            v_cond := v_cond || ('x.status IN ' || ccrm_segment_list(v_body -> 'status',
                                     v_p || '.status', ARRAY['unsent', 'sent', 'opened', 'clicked',
                                                             'replied', 'registered', 'converted',
                                                             'responded', 'unsubscribed']));
        END IF;
        RETURN ccrm_segment_person('campaign_members', p_entity,
                                   array_to_string(v_cond, ' AND '));
    WHEN 'response' THEN
        PERFORM ccrm_segment_keys(v_body, v_p, ARRAY['campaign', 'status', 'within_days']);
        v_cond := ARRAY['true'];
        IF v_body ? 'campaign' THEN
            v_cond := v_cond || ('x.campaign_id = ' || ccrm_segment_num(v_body -> 'campaign',
                                                                        v_p || '.campaign', true, 1)
                                 || '::bigint');
        END IF;
        IF v_body ? 'status' THEN
            v_cond := v_cond || ('x.status IN ' || ccrm_segment_list(v_body -> 'status',
                                     v_p || '.status', ARRAY['sent', 'opened', 'clicked', 'replied',
                                                             'registered', 'converted']));
        END IF;
        IF v_body ? 'within_days' THEN
            v_cond := v_cond || ccrm_segment_days('x.at', v_body -> 'within_days',
                                                  v_p || '.within_days');
        END IF;
        RETURN ccrm_segment_person('campaign_responses', p_entity,
                                   array_to_string(v_cond, ' AND '));
    ELSE
        PERFORM ccrm_segment_error(p_path, format('unknown rule %s (known: field, account, '
                                                  'interest, ticket, deal, campaign, response, '
                                                  'all, any, not)', quote_literal(v_kind)));
    END CASE;
    RETURN NULL;
END
$$;

-- The query of a segment definition: rows (entity, id) of the people it finds, as
-- ('contacts', id) and/or ('leads', id). Raises 22023 naming the first problem of an invalid
-- definition. Builds text only; nothing is run here.
CREATE OR REPLACE FUNCTION ccrm_segment_sql(p_def jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_entity text;
    v_match  text;
    v_rules  jsonb;
    v_parts  text[] := '{}';
    v_out    text[] := '{}';
    e        text;
    v_e      jsonb;
    i        int;
BEGIN
    IF p_def IS NULL OR jsonb_typeof(p_def) <> 'object' THEN
        PERFORM ccrm_segment_error('segment', 'expected an object');
    END IF;
    PERFORM ccrm_segment_keys(p_def, 'segment', ARRAY['entity', 'match', 'rules']);
    v_entity := coalesce(p_def ->> 'entity', 'people');
    IF v_entity NOT IN ('contacts', 'leads', 'people') THEN
        PERFORM ccrm_segment_error('entity', format('unknown entity %s (known: contacts, leads, '
                                                    'people)', quote_literal(v_entity)));
    END IF;
    v_match := coalesce(p_def ->> 'match', 'all');
    IF v_match NOT IN ('all', 'any') THEN
        PERFORM ccrm_segment_error('match', 'expected all or any');
    END IF;
    v_rules := coalesce(p_def -> 'rules', '[]'::jsonb);
    IF jsonb_typeof(v_rules) <> 'array' OR jsonb_array_length(v_rules) > 50 THEN
        PERFORM ccrm_segment_error('rules', 'expected a list of at most 50 rules');
    END IF;
    FOREACH e IN ARRAY CASE v_entity WHEN 'people' THEN ARRAY['contacts', 'leads']
                                     ELSE ARRAY[v_entity] END LOOP
        v_parts := '{}';
        i := 0;
        FOR v_e IN SELECT x FROM jsonb_array_elements(v_rules) x LOOP
            v_parts := v_parts || ('(' || ccrm_segment_rule(v_e, e, 'rules[' || i || ']', 1)
                                   || ')');
            i := i + 1;
        END LOOP;
        v_out := v_out || (CASE e
            WHEN 'contacts' THEN
                'SELECT ''contacts''::text AS entity, p.id FROM contacts p'
                || ' CROSS JOIN LATERAL (SELECT p.id AS pc, p.account_id AS pa) k'
            ELSE
                'SELECT ''leads''::text AS entity, p.id FROM leads p'
                || ' CROSS JOIN LATERAL (SELECT coalesce(p.contact_id, (SELECT c2.id FROM contacts c2'
                || ' WHERE p.email IS NOT NULL AND lower(c2.email) = lower(p.email))) AS pc) k1'
                || ' CROSS JOIN LATERAL (SELECT coalesce(p.account_id, (SELECT c3.account_id'
                || ' FROM contacts c3 WHERE c3.id = k1.pc)) AS pa) k'
            END
            || CASE WHEN cardinality(v_parts) > 0
                    THEN ' WHERE ' || array_to_string(v_parts, CASE v_match WHEN 'all' THEN ' AND '
                                                                        ELSE ' OR ' END)
                    ELSE '' END);
    END LOOP;
    RETURN array_to_string(v_out, ' UNION ALL ');
END
$$;

-- Check a definition (raises 22023 naming the first problem) and return it.
CREATE OR REPLACE FUNCTION ccrm_segment_check(p_def jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
BEGIN
    PERFORM ccrm_segment_sql(p_def);
    -- a saved segment with no rule would be everyone (the client's words refuse it too)
    IF jsonb_array_length(coalesce(p_def -> 'rules', '[]'::jsonb)) = 0 THEN
        PERFORM ccrm_segment_error('rules', 'a segment needs a rule (with none it is everyone)');
    END IF;
    RETURN p_def;
END
$$;

-- Segments are checked on every write (psql too): a saved segment always runs.
CREATE OR REPLACE FUNCTION ccrm_segment_validate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.definition := ccrm_segment_check(NEW.definition);
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_segment_validate()');

-- The definition of a saved segment the caller sees.
CREATE OR REPLACE FUNCTION ccrm_segment_definition(p_segment bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v jsonb;
BEGIN
    SELECT s.definition INTO v FROM segments s WHERE s.id = p_segment;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'segment #% not found', p_segment USING ERRCODE = 'P0002';
    END IF;
    RETURN v;
END
$$;

-- Rules about campaigns read campaign tables, which partners may not: say so instead of
-- "permission denied for table campaign_members".
CREATE OR REPLACE FUNCTION ccrm_segment_runnable(p_def jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_sql text := ccrm_segment_sql(p_def);
BEGIN
    IF v_sql ~ 'FROM campaign_(members|responses) ' AND
       NOT has_table_privilege('public.campaign_members', 'SELECT') THEN
        RAISE EXCEPTION 'campaign and response rules need read access to campaigns'
            USING ERRCODE = '42501';
    END IF;
    RETURN v_sql;
END
$$;

-- The people of a segment, under the caller's row-level security.
CREATE OR REPLACE FUNCTION ccrm_segment_members(p_def jsonb)
RETURNS TABLE (entity text, id bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RETURN QUERY EXECUTE ccrm_segment_runnable(p_def);
END
$$;
CREATE OR REPLACE FUNCTION ccrm_segment_members(p_segment bigint)
RETURNS TABLE (entity text, id bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM ccrm_segment_members(ccrm_segment_definition(p_segment)) $$;

-- How many people, exactly (a count over what the caller may see).
CREATE OR REPLACE FUNCTION ccrm_segment_count(p_def jsonb) RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM (' || ccrm_segment_runnable(p_def) || ') s' INTO n;
    RETURN n;
END
$$;
CREATE OR REPLACE FUNCTION ccrm_segment_count(p_segment bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT ccrm_segment_count(ccrm_segment_definition(p_segment)) $$;

-- How many people, at once: exact (exact true) when counting them is cheap, else the
-- planner's estimate (EXPLAIN, nothing run). The estimate alone said "~1" of a segment of 30:
-- a folded comparison (ccrm_fold(country) = ...) has no statistics, so PostgreSQL takes a fixed
-- share of the rows (half a percent: 1 of 200), and a table filled since its last ANALYZE has
-- none either. So the segment's query is counted when the planner's cost of it is at most
-- ccrm.segment_count_cost (a setting; 5000 by default: some thousands of people, or rules an
-- index answers, counted in 10 to 30 ms; 0 never counts), and while the counts of this
-- transaction have taken under 200 ms in all (the Segments view sizes 100 segments in one
-- statement). Under the caller's row-level security, as ccrm_segment_count. The estimate comes from the statistics of
-- all rows (docs/security.md §6: planner estimates), so it is only a guide for a partner.
-- VOLATILE because PostgreSQL runs EXPLAIN in volatile functions alone; it writes nothing but
-- the transaction's own setting ccrm.segment_count_ms (the time counted so far).
CREATE OR REPLACE FUNCTION ccrm_segment_size(p_def jsonb, OUT people bigint, OUT exact boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_sql   text := ccrm_segment_runnable(p_def);
    v_plan  json;
    v_set   text := current_setting('ccrm.segment_count_cost', true);
    v_spent text := current_setting('ccrm.segment_count_ms', true);
    v_max   numeric := CASE WHEN v_set ~ '^[0-9]{1,12}$' THEN v_set::numeric ELSE 5000 END;
    v_ms    numeric := CASE WHEN v_spent ~ '^[0-9]{1,12}(\.[0-9]*)?$' THEN v_spent::numeric
                            ELSE 0 END;
    v_t0    timestamptz;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || v_sql INTO v_plan;
    IF (v_plan -> 0 -> 'Plan' ->> 'Total Cost')::numeric <= v_max AND v_ms < 200 THEN
        v_t0 := clock_timestamp();
        EXECUTE 'SELECT count(*) FROM (' || v_sql || ') s' INTO people;
        exact := true;
        PERFORM set_config('ccrm.segment_count_ms',
                           (v_ms + extract(epoch FROM clock_timestamp() - v_t0) * 1000)::text,
                           true);
    ELSE
        people := round((v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric)::bigint;
        exact := false;
    END IF;
END
$$;

-- How many people, as ccrm_segment_size says (exact when cheap, else estimated).
CREATE OR REPLACE FUNCTION ccrm_segment_estimate(p_def jsonb) RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT (ccrm_segment_size(p_def)).people $$;
CREATE OR REPLACE FUNCTION ccrm_segment_estimate(p_segment bigint) RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT ccrm_segment_estimate(ccrm_segment_definition(p_segment)) $$;

-- ---------------------------------------------------------------------------------------
-- Campaigns: members, responses, results
-- ---------------------------------------------------------------------------------------

-- How far along the funnel a member status is (sent 1 ... converted 6; the older word
-- "responded" counts as replied; unsent, a member nothing was sent to yet, and unsubscribed
-- 0: not counted as sent, and any response moves them on). No SET search_path: a CASE over literals
-- (found in pg_catalog first whatever the path), and a SET clause would keep the planner from
-- inlining it: ccrm_campaign_results calls it six times per member (a 20,000-member
-- campaign's results took over ten times as long).
CREATE OR REPLACE FUNCTION ccrm_response_rank(p_status text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE p_status WHEN 'sent' THEN 1 WHEN 'opened' THEN 2 WHEN 'clicked' THEN 3
                         WHEN 'replied' THEN 4 WHEN 'responded' THEN 4 WHEN 'registered' THEN 5
                         WHEN 'converted' THEN 6 ELSE 0 END
$$;

-- Add people to a campaign: the contacts and leads named (those the caller cannot see are
-- ignored, as a SELECT ignores them). Left out, and counted once each, in this order: people
-- who opted out of the campaign's channel, people already members (or the same person as a
-- contact added or a member: a lead of a contact), and for e-mail and phone campaigns people
-- without an address for it. Members join as "unsent" (the column's default, schema/076): a
-- response (the mailing tool's report, or r sent by hand) says when something went out to
-- them. Returns one row: added, already_members, opted_out, no_address and a one-line
-- summary. Marketing, management and admin (who may insert members); a completed campaign
-- takes nobody new.
CREATE OR REPLACE FUNCTION ccrm_campaign_add_people(p_campaign bigint, p_contacts bigint[],
                                                    p_leads bigint[])
RETURNS TABLE (added bigint, already_members bigint, opted_out bigint, no_address bigint,
               summary text)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    cp    record;
    v_add bigint;
    v_mem bigint;
    v_opt bigint;
    v_noa bigint;
    v_why text[] := '{}';
BEGIN
    SELECT c.id, c.name, c.status, c.channel INTO cp FROM campaigns c WHERE c.id = p_campaign;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'campaign #% not found', p_campaign USING ERRCODE = 'P0002';
    END IF;
    IF NOT has_any_column_privilege('public.campaign_members', 'INSERT') THEN
        RAISE EXCEPTION 'only marketing, management and admin add campaign members'
            USING ERRCODE = '42501';
    END IF;
    IF cp.status = 'completed' THEN
        RAISE EXCEPTION 'campaign #% (%) is completed: nobody is added any more', cp.id, cp.name
            USING ERRCODE = '55000';
    END IF;
    WITH cand AS (
        SELECT c.id AS contact_id, NULL::bigint AS lead_id, c.id AS pc, c.email, c.phone
          FROM contacts c WHERE c.id = ANY (coalesce(p_contacts, '{}'))
        UNION ALL
        SELECT NULL, l.id,
               coalesce(l.contact_id, (SELECT c2.id FROM contacts c2
                                        WHERE l.email IS NOT NULL
                                          AND lower(c2.email) = lower(l.email))),
               l.email, l.phone
          FROM leads l WHERE l.id = ANY (coalesce(p_leads, '{}'))
    ),
    opt AS (SELECT * FROM ccrm_opted_out_people(cp.channel)),
    cls AS (
        SELECT x.contact_id, x.lead_id,
               EXISTS (SELECT 1 FROM campaign_members m
                        WHERE m.campaign_id = p_campaign
                          AND (m.contact_id = x.contact_id OR m.lead_id = x.lead_id
                               OR (x.lead_id IS NOT NULL AND m.contact_id = x.pc)
                               -- a member lead of the same person: the contact's own lead,
                               -- or a lead with its e-mail (whichever was added first)
                               OR (m.lead_id IS NOT NULL AND EXISTS (
                                       SELECT 1 FROM leads l
                                        WHERE l.id = m.lead_id
                                          AND (l.contact_id = x.pc
                                               OR (x.email IS NOT NULL
                                                   AND lower(l.email) = lower(x.email)))))))
               -- (a lead of nobody's: false, not NULL, which left it out of every count)
               OR (x.lead_id IS NOT NULL AND x.pc IS NOT NULL
                   AND x.pc = ANY (coalesce(p_contacts, '{}')))
               -- two leads of one person in the same call: the first of them is added
               OR (x.lead_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM cand y
                        WHERE y.lead_id IS NOT NULL AND y.lead_id < x.lead_id
                          AND ((x.pc IS NOT NULL AND y.pc = x.pc)
                               OR (x.email IS NOT NULL AND lower(y.email) = lower(x.email)))))
               AS member,
               EXISTS (SELECT 1 FROM opt o WHERE o.contact_id = x.contact_id)
               OR EXISTS (SELECT 1 FROM opt o WHERE o.lead_id = x.lead_id) AS opted,
               CASE cp.channel WHEN 'email' THEN x.email IS NULL
                               WHEN 'phone' THEN x.phone IS NULL ELSE false END AS noaddr
          FROM cand x
    ),
    ins AS (
        INSERT INTO campaign_members (campaign_id, contact_id, lead_id)
        SELECT p_campaign, x.contact_id, x.lead_id FROM cls x
         WHERE NOT x.member AND NOT x.opted AND NOT x.noaddr
         ORDER BY x.contact_id, x.lead_id
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins),
           count(*) FILTER (WHERE x.member AND NOT x.opted),
           count(*) FILTER (WHERE x.opted),
           count(*) FILTER (WHERE NOT x.member AND NOT x.opted AND x.noaddr)
      INTO v_add, v_mem, v_opt, v_noa
      FROM cls x;
    IF v_opt > 0 THEN
        v_why := v_why || format('%s opted out of %s', v_opt, ccrm_consent_channel(cp.channel));
    END IF;
    IF v_mem > 0 THEN
        v_why := v_why || format('%s already member%s (or the same person as one)', v_mem,
                                 CASE WHEN v_mem = 1 THEN '' ELSE 's' END);
    END IF;
    IF v_noa > 0 THEN
        v_why := v_why || format('%s without %s', v_noa, CASE cp.channel WHEN 'email'
                                                         THEN 'an e-mail address'
                                                         ELSE 'a phone number' END);
    END IF;
    added := v_add;
    already_members := v_mem;
    opted_out := v_opt;
    no_address := v_noa;
    summary := format('added %s to campaign "%s"', v_add, cp.name)
               || CASE WHEN cardinality(v_why) > 0
                       THEN format('; left out %s: %s', v_mem + v_opt + v_noa,
                                   array_to_string(v_why, ', '))
                       ELSE '' END;
    RETURN NEXT;
END
$$;

-- One person (the detail view's "add to campaign"): a contact or a lead the caller sees.
CREATE OR REPLACE FUNCTION ccrm_campaign_add(p_campaign bigint, p_entity text, p_id bigint)
RETURNS TABLE (added bigint, already_members bigint, opted_out bigint, no_address bigint,
               summary text)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('contacts', 'leads') THEN
        RAISE EXCEPTION 'campaign members are contacts or leads, not "%"',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF NOT ccrm_record_exists(p_entity, p_id) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id
            USING ERRCODE = 'P0002', HINT = 'It does not exist, or you cannot see it.';
    END IF;
    RETURN QUERY SELECT * FROM ccrm_campaign_add_people(
        p_campaign, CASE WHEN p_entity = 'contacts' THEN ARRAY[p_id] END,
        CASE WHEN p_entity = 'leads' THEN ARRAY[p_id] END);
END
$$;

-- Everybody a segment finds (saved, or a definition being built).
CREATE OR REPLACE FUNCTION ccrm_campaign_add_segment(p_campaign bigint, p_def jsonb)
RETURNS TABLE (added bigint, already_members bigint, opted_out bigint, no_address bigint,
               summary text)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_c bigint[];
    v_l bigint[];
BEGIN
    SELECT array_agg(s.id) FILTER (WHERE s.entity = 'contacts'),
           array_agg(s.id) FILTER (WHERE s.entity = 'leads')
      INTO v_c, v_l
      FROM ccrm_segment_members(p_def) s;
    RETURN QUERY SELECT * FROM ccrm_campaign_add_people(p_campaign, v_c, v_l);
END
$$;
CREATE OR REPLACE FUNCTION ccrm_campaign_add_segment(p_campaign bigint, p_segment bigint)
RETURNS TABLE (added bigint, already_members bigint, opted_out bigint, no_address bigint,
               summary text)
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM ccrm_campaign_add_segment(p_campaign, ccrm_segment_definition(p_segment)) $$;

-- Take a person out of a campaign (through ccrm_delete: marketing, management, admin).
-- Returns whether a membership was removed.
CREATE OR REPLACE FUNCTION ccrm_campaign_remove(p_campaign bigint, p_entity text, p_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_ids bigint[];
BEGIN
    SELECT array_agg(m.id) INTO v_ids FROM campaign_members m
     WHERE m.campaign_id = p_campaign
       AND ((p_entity = 'contacts' AND m.contact_id = p_id)
            OR (p_entity = 'leads' AND m.lead_id = p_id));
    IF v_ids IS NULL THEN
        RETURN false;
    END IF;
    RETURN ccrm_delete('campaign_members', v_ids) > 0;
END
$$;

-- The members of campaign p_campaign as the mailing tool gets them: each with its address,
-- name and company, opted (the person opted out of the campaign's channel) and reachable (not
-- opted out, and an address for an e-mail campaign). `ccrm --export campaign_members` writes
-- the reachable ones and counts the others; ccrm_campaign_mark_sent marks the reachable ones
-- not sent yet: one rule for both. The caller's rights (row-level security) apply.
CREATE OR REPLACE FUNCTION ccrm_campaign_recipients(p_campaign bigint)
RETURNS TABLE (mid bigint, contact_id bigint, lead_id bigint, status text, channel text,
               email text, phone text, first_name text, last_name text, company text,
               opted boolean, reachable boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH cp AS (SELECT c.id, c.channel FROM campaigns c WHERE c.id = p_campaign),
    o AS MATERIALIZED (SELECT o.contact_id, o.lead_id FROM cp, ccrm_opted_out_people(cp.channel) o),
    m AS (SELECT m.id AS mid, m.contact_id, m.lead_id, m.status, cp.channel,
                 coalesce(c.email, l.email) AS email, coalesce(c.phone, l.phone) AS phone,
                 coalesce(c.first_name, l.first_name) AS first_name,
                 coalesce(c.last_name, l.last_name) AS last_name,
                 coalesce(a.name, l.company) AS company,
                 EXISTS (SELECT 1 FROM o WHERE o.contact_id = m.contact_id)
                 OR EXISTS (SELECT 1 FROM o WHERE o.lead_id = m.lead_id) AS opted
            FROM cp JOIN campaign_members m ON m.campaign_id = cp.id
            LEFT JOIN contacts c ON c.id = m.contact_id
            LEFT JOIN leads l ON l.id = m.lead_id
            LEFT JOIN accounts a ON a.id = coalesce(c.account_id, l.account_id))
    SELECT m.*, NOT m.opted AND (m.channel <> 'email' OR m.email IS NOT NULL) FROM m
$$;

-- Every member of campaign p_campaign not sent yet whom the mailing tool gets
-- (ccrm_campaign_recipients' reachable) gets a response "sent", now: what the marketer does
-- after handing `ccrm --export campaign_members` to the tool, in one statement instead of one
-- member at a time. Returns how many were marked and how many not-sent members were left out
-- (opted out; no e-mail address).
CREATE OR REPLACE FUNCTION ccrm_campaign_mark_sent(p_campaign bigint,
                                                   OUT marked bigint, OUT opted_out bigint,
                                                   OUT no_address bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT has_any_column_privilege('public.campaign_responses', 'INSERT') THEN
        RAISE EXCEPTION 'only marketing, management and admin record campaign responses'
            USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = p_campaign) THEN
        RAISE EXCEPTION 'campaign #% not found', p_campaign USING ERRCODE = 'P0002';
    END IF;
    WITH r AS MATERIALIZED (SELECT * FROM ccrm_campaign_recipients(p_campaign) x
                             WHERE x.status = 'unsent'),
    ins AS (INSERT INTO campaign_responses (campaign_id, contact_id, lead_id, status, at)
            SELECT p_campaign, r.contact_id, r.lead_id, 'sent', now() FROM r WHERE r.reachable
            RETURNING 1)
    SELECT (SELECT count(*) FROM ins), count(*) FILTER (WHERE r.opted),
           count(*) FILTER (WHERE NOT r.opted AND NOT r.reachable)
      INTO marked, opted_out, no_address
      FROM r;
END
$$;

-- Record a response of a member (by hand; the CSV import writes the same rows): sent, opened,
-- clicked, replied, registered, converted, at p_at (now by default). The member's status
-- becomes the furthest one reached. Returns the response's id.
CREATE OR REPLACE FUNCTION ccrm_campaign_respond(p_campaign bigint, p_entity text, p_id bigint,
                                                 p_status text, p_at timestamptz DEFAULT NULL,
                                                 p_note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('contacts', 'leads') THEN
        RAISE EXCEPTION 'campaign members are contacts or leads, not "%"',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF NOT has_any_column_privilege('public.campaign_responses', 'INSERT') THEN
        RAISE EXCEPTION 'only marketing, management and admin record campaign responses'
            USING ERRCODE = '42501';
    END IF;
    INSERT INTO campaign_responses (campaign_id, contact_id, lead_id, status, at, note)
    VALUES (p_campaign, CASE WHEN p_entity = 'contacts' THEN p_id END,
            CASE WHEN p_entity = 'leads' THEN p_id END, p_status, coalesce(p_at, now()),
            nullif(btrim(p_note), ''))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- After responses are written: each names a member of its campaign (23503 otherwise), and
-- members move to the furthest status reached. Statement level (an import writes thousands).
CREATE OR REPLACE FUNCTION ccrm_responses_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF ccrm_restoring() THEN
        RETURN NULL;
    END IF;
    -- an UPDATE too (migration 109): a response moved to another person or campaign, or
    -- redated, or given another status, was not asked again (a response of no member, dated
    -- infinity, a "converted" that left its member "opened"). The schema's owner moves
    -- responses with their person in a merge (DEFINER: its memberships move by a rule of
    -- their own), so its updates are its own business, as a consent's are.
    IF TG_OP = 'UPDATE'
       AND (current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                             WHERE c.oid = 'public.campaign_responses'::regclass)
            OR (SELECT x.rolsuper FROM pg_roles x WHERE x.rolname = current_user)) THEN
        RETURN NULL;
    END IF;
    -- a response is something that happened: not after tomorrow (a day's slack for time
    -- zones), not before 1900 (a slip: 0001-01-01), as payments and the clients' dates have it
    SELECT n.at INTO r FROM new_rows n
     WHERE n.at > now() + interval '1 day' OR n.at < timestamptz '1900-01-01 00:00+00'
     LIMIT 1;
    IF FOUND THEN
        -- (to_char has no words for infinity: "a response dated <NULL>", migration 109)
        RAISE EXCEPTION 'a response dated % is %',
                        coalesce(to_char(r.at, 'YYYY-MM-DD HH24:MI'), r.at::text),
                        CASE WHEN r.at > now() THEN 'in the future' ELSE 'before 1900' END
            USING ERRCODE = '23514', COLUMN = 'at',
                  HINT = 'A response is dated when it happened.';
    END IF;
    SELECT n.campaign_id, n.contact_id, n.lead_id INTO r FROM new_rows n
     WHERE NOT EXISTS (SELECT 1 FROM campaign_members m
                        WHERE m.campaign_id = n.campaign_id
                          AND (m.contact_id = n.contact_id OR m.lead_id = n.lead_id))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% #% is not a member of campaign #%',
                        CASE WHEN r.contact_id IS NOT NULL THEN 'contact' ELSE 'lead' END,
                        coalesce(r.contact_id, r.lead_id), r.campaign_id
            USING ERRCODE = '23503', HINT = 'Add them to the campaign first.';
    END IF;
    UPDATE campaign_members m SET status = b.status
      FROM (SELECT DISTINCT ON (n.campaign_id, n.contact_id) n.campaign_id, n.contact_id, n.status
              FROM new_rows n WHERE n.contact_id IS NOT NULL
             ORDER BY n.campaign_id, n.contact_id, ccrm_response_rank(n.status) DESC) b
     WHERE m.campaign_id = b.campaign_id AND m.contact_id = b.contact_id
       AND ccrm_response_rank(b.status) > ccrm_response_rank(m.status);
    UPDATE campaign_members m SET status = b.status
      FROM (SELECT DISTINCT ON (n.campaign_id, n.lead_id) n.campaign_id, n.lead_id, n.status
              FROM new_rows n WHERE n.lead_id IS NOT NULL
             ORDER BY n.campaign_id, n.lead_id, ccrm_response_rank(n.status) DESC) b
     WHERE m.campaign_id = b.campaign_id AND m.lead_id = b.lead_id
       AND ccrm_response_rank(b.status) > ccrm_response_rank(m.status);
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_responses_written()');

-- A campaign's results (one row; every campaign the caller sees when p_campaign is NULL):
--   members; reached: members whose status reached each step of the funnel (a member who
--   replied also opened; an unsent one reached none: sent counts what went out);
--   responses recorded;
--   engaged: members who reached "opened" or further;
--   leads_influenced: the leads of engaged members (the member lead; a member contact's leads);
--   deals_influenced: deals on the accounts of engaged members created on or after the day
--   the member was added; deals_won of those, and revenue_won, the won amounts by currency
--   ({"EUR": 12000.00}).
CREATE OR REPLACE FUNCTION ccrm_campaign_results(p_campaign bigint DEFAULT NULL)
RETURNS TABLE (campaign_id bigint, name text, status text, channel text, members bigint,
               sent bigint, opened bigint, clicked bigint, replied bigint, registered bigint,
               converted bigint, responses bigint, leads_influenced bigint,
               deals_influenced bigint, deals_won bigint, revenue_won jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT cp.id, cp.name::text, cp.status, cp.channel, f.members, f.sent, f.opened, f.clicked,
           f.replied, f.registered, f.converted,
           (SELECT count(*) FROM campaign_responses r WHERE r.campaign_id = cp.id),
           inf.leads, inf.deals, inf.won, inf.revenue
      FROM campaigns cp
      CROSS JOIN LATERAL (
          SELECT count(*) AS members,
                 count(*) FILTER (WHERE ccrm_response_rank(m.status) >= 1) AS sent,
                 count(*) FILTER (WHERE ccrm_response_rank(m.status) >= 2) AS opened,
                 count(*) FILTER (WHERE ccrm_response_rank(m.status) >= 3) AS clicked,
                 count(*) FILTER (WHERE ccrm_response_rank(m.status) >= 4) AS replied,
                 count(*) FILTER (WHERE ccrm_response_rank(m.status) >= 5) AS registered,
                 count(*) FILTER (WHERE ccrm_response_rank(m.status) >= 6) AS converted
            FROM campaign_members m WHERE m.campaign_id = cp.id) f
      CROSS JOIN LATERAL (
          WITH engaged AS (
              SELECT m.contact_id, m.lead_id, m.created_at FROM campaign_members m
               WHERE m.campaign_id = cp.id AND ccrm_response_rank(m.status) >= 2
          ),
          lds AS (
              SELECT e.lead_id AS id FROM engaged e WHERE e.lead_id IS NOT NULL
              UNION
              SELECT l.id FROM engaged e JOIN leads l ON l.contact_id = e.contact_id
          ),
          accs AS (
              SELECT c.account_id, min(e.created_at) AS since
                FROM engaged e JOIN contacts c ON c.id = e.contact_id
               WHERE c.account_id IS NOT NULL GROUP BY c.account_id
              UNION ALL
              SELECT coalesce(l.account_id, c.account_id), min(e.created_at)
                FROM engaged e JOIN leads l ON l.id = e.lead_id
                LEFT JOIN contacts c ON c.id = l.contact_id
               WHERE coalesce(l.account_id, c.account_id) IS NOT NULL
               GROUP BY coalesce(l.account_id, c.account_id)
          ),
          deals AS (
              SELECT DISTINCT o.id, o.stage, o.amount, o.currency
                FROM (SELECT a.account_id, min(a.since) AS since FROM accs a
                       GROUP BY a.account_id) a
                JOIN opportunities o ON o.account_id = a.account_id
                                    AND o.created_at >= date_trunc('day', a.since)
          )
          SELECT (SELECT count(*) FROM lds) AS leads,
                 (SELECT count(*) FROM deals) AS deals,
                 (SELECT count(*) FROM deals d WHERE d.stage = 'won') AS won,
                 coalesce((SELECT jsonb_object_agg(x.currency, x.amount ORDER BY x.currency)
                             FROM (SELECT d.currency::text AS currency, sum(d.amount) AS amount
                                     FROM deals d WHERE d.stage = 'won' AND d.amount IS NOT NULL
                                    GROUP BY d.currency) x), '{}'::jsonb) AS revenue) inf
     WHERE p_campaign IS NULL OR cp.id = p_campaign
$$;

-- ---------------------------------------------------------------------------------------
-- Duplicates
-- ---------------------------------------------------------------------------------------

-- Likely duplicates of a record being typed (a form's warning before saving), best first, at
-- most p_limit. p_values: the form's fields as text ({"first_name", "last_name", "email",
-- "phone", "account_id", "country"} for contacts; {"first_name", "last_name", "email",
-- "company"} for leads; {"name", "domain", "website", "phone", "country"} for accounts) and
-- "id" of the record itself when editing one. Each signal is one probe of an index of 021, so
-- a call costs about a millisecond at any size (docs/performance.md): the e-mail as a mailbox,
-- the phone in E.164 (with the given country or the account's), the domain, the folded full
-- name (accounts: the name key), and among the people of the same account names similar by
-- trigrams (pg_trgm similarity 0.5 or more). A fuzzy name match across all records is left to
-- the duplicate scan (ccrm_duplicate_pairs): "Anna Müller" somewhere else is weak evidence
-- and no index answers it in milliseconds. score 0..1 combines the signals found (1 - product
-- of 1 - weight); reasons names them. Reads under the caller's row-level security.
CREATE OR REPLACE FUNCTION ccrm_duplicates_for(p_entity text, p_values jsonb,
                                               p_limit int DEFAULT 5)
RETURNS TABLE (id bigint, label text, score real, reasons text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_self    bigint := CASE WHEN p_values ->> 'id' ~ '^[0-9]{1,18}$'
                             THEN (p_values ->> 'id')::bigint END;
    v_acc     bigint := CASE WHEN p_values ->> 'account_id' ~ '^[0-9]{1,18}$'
                             THEN (p_values ->> 'account_id')::bigint END;
    v_country text := nullif(btrim(p_values ->> 'country'), '');
    v_email   text := ccrm_email_norm(p_values ->> 'email');
    v_phone   text;
    v_name    text;
    v_key     text;
    v_domain  text;
    v_lim     int := least(greatest(coalesce(p_limit, 5), 1), 50);
BEGIN
    IF p_entity = 'contacts' THEN
        IF v_country IS NULL AND v_acc IS NOT NULL THEN
            SELECT a.country INTO v_country FROM accounts a WHERE a.id = v_acc;
        END IF;
        v_phone := ccrm_phone_e164(p_values ->> 'phone', v_country);
        v_name := ccrm_person_name(p_values ->> 'first_name', p_values ->> 'last_name');
        RETURN QUERY
        WITH hits AS (
            SELECT c.id, 0.9::real AS w, 'same e-mail'::text AS why FROM contacts c
             WHERE v_email IS NOT NULL AND c.email IS NOT NULL   -- the partial index's predicate
               AND ccrm_email_norm(c.email) = v_email
            UNION ALL
            SELECT c.id, 0.6, 'same phone ' || v_phone FROM contacts c
             WHERE v_phone IS NOT NULL AND c.phone IS NOT NULL
               AND ccrm_phone_e164(c.phone) = v_phone
            UNION ALL
            SELECT x.id, 0.4, 'same name' FROM (
                SELECT c.id FROM contacts c
                 WHERE v_name IS NOT NULL AND ccrm_person_name(c.first_name, c.last_name) = v_name
                 ORDER BY c.id LIMIT 50) x
            UNION ALL
            SELECT x.id, (0.7 * x.sim)::real, 'similar name at the same account' FROM (
                SELECT c.id, similarity(ccrm_person_name(c.first_name, c.last_name), v_name) AS sim
                  FROM contacts c WHERE v_acc IS NOT NULL AND c.account_id = v_acc
                   AND v_name IS NOT NULL) x
             WHERE x.sim >= 0.5
        )
        SELECT h.id, (SELECT concat_ws(' ', c.first_name, c.last_name)
                             || coalesce(' <' || c.email || '>', '')
                        FROM contacts c WHERE c.id = h.id),
               (1 - exp(sum(ln(1 - least(h.w, 0.99)))))::real,
               array_agg(DISTINCT h.why ORDER BY h.why)
          FROM hits h WHERE h.id IS DISTINCT FROM v_self
         GROUP BY h.id ORDER BY 3 DESC, 1 LIMIT v_lim;
    ELSIF p_entity = 'leads' THEN
        v_name := ccrm_person_name(p_values ->> 'first_name', p_values ->> 'last_name');
        v_key := ccrm_name_key(p_values ->> 'company');
        RETURN QUERY
        WITH hits AS (
            SELECT l.id, 0.9::real AS w, 'same e-mail'::text AS why FROM leads l
             WHERE v_email IS NOT NULL AND l.email IS NOT NULL
               AND ccrm_email_norm(l.email) = v_email
            UNION ALL
            SELECT x.id, CASE WHEN x.same_company THEN 0.8 ELSE 0.4 END::real,
                   CASE WHEN x.same_company THEN 'same name, same company' ELSE 'same name' END
              FROM (SELECT l.id, v_key IS NOT NULL AND ccrm_name_key(l.company) = v_key AS same_company
                      FROM leads l
                     WHERE v_name IS NOT NULL AND ccrm_person_name(l.first_name, l.last_name) = v_name
                     ORDER BY l.id LIMIT 50) x
        )
        SELECT h.id, (SELECT coalesce(nullif(concat_ws(' ', l.first_name, l.last_name), ''),
                                      l.company, l.email)
                             || coalesce(' <' || l.email || '>', '')
                        FROM leads l WHERE l.id = h.id),
               (1 - exp(sum(ln(1 - least(h.w, 0.99)))))::real,
               array_agg(DISTINCT h.why ORDER BY h.why)
          FROM hits h WHERE h.id IS DISTINCT FROM v_self
         GROUP BY h.id ORDER BY 3 DESC, 1 LIMIT v_lim;
    ELSIF p_entity = 'accounts' THEN
        v_phone := ccrm_phone_e164(p_values ->> 'phone', v_country);
        v_domain := ccrm_domain_norm(coalesce(nullif(btrim(p_values ->> 'domain'), ''),
                                              p_values ->> 'website'));
        v_key := ccrm_name_key(p_values ->> 'name');
        RETURN QUERY
        WITH hits AS (
            SELECT a.id, 0.7::real AS w, 'same domain ' || v_domain AS why FROM accounts a
             WHERE v_domain IS NOT NULL
               AND ccrm_domain_norm(coalesce(nullif(btrim(a.domain), ''), a.website)) = v_domain
            UNION ALL
            SELECT a.id, 0.6, 'same phone ' || v_phone FROM accounts a
             WHERE v_phone IS NOT NULL AND a.phone IS NOT NULL
               AND ccrm_phone_e164(a.phone, a.country) = v_phone
            UNION ALL
            SELECT x.id, 0.7, 'same name' FROM (
                SELECT a.id FROM accounts a WHERE v_key IS NOT NULL AND ccrm_name_key(a.name) = v_key
                 ORDER BY a.id LIMIT 50) x
        )
        SELECT h.id, (SELECT a.name || coalesce(' (' || a.domain || ')', '') FROM accounts a
                       WHERE a.id = h.id)::text,
               (1 - exp(sum(ln(1 - least(h.w, 0.99)))))::real,
               array_agg(DISTINCT h.why ORDER BY h.why)
          FROM hits h WHERE h.id IS DISTINCT FROM v_self
         GROUP BY h.id ORDER BY 3 DESC, 1 LIMIT v_lim;
    ELSE
        RAISE EXCEPTION 'duplicates are looked for among contacts, leads and accounts, not "%"',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
END
$$;

-- Candidate pairs of duplicates among all contacts, leads or accounts the caller sees (the
-- Duplicates view), best first: a < b, score 0..1, reasons. Signals (docs/architecture.md
-- "Duplicates"): the same mailbox (ccrm_email_norm), the same phone in E.164 (with the
-- account's country), the same domain, the same name key (accounts), and similar names
-- (trigram similarity, pg_trgm) between neighbours in name order within a block: people of
-- the same account (contacts), of the same company (leads), all accounts (with equal digits:
-- "Filiale 2" is not "Filiale 3"). A phone number, domain or key shared by more than 20
-- records is a switchboard or a free-mail domain, not a sign; pairs marked "not a duplicate"
-- (not_duplicates) are left out. A full scan: seconds at a million rows
-- (docs/performance.md).
CREATE OR REPLACE FUNCTION ccrm_duplicate_pairs(p_entity text, p_limit int DEFAULT 200,
                                                p_min_score real DEFAULT 0.3)
RETURNS TABLE (a_id bigint, b_id bigint, score real, reasons text[], a_label text,
               b_label text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF p_entity = 'contacts' THEN
        RETURN QUERY
        WITH c AS MATERIALIZED (
            SELECT c.id, ccrm_email_norm(c.email) AS em,
                   ccrm_phone_e164(c.phone, a.country) AS ph,
                   coalesce(c.account_id::text, 'd:' || split_part(ccrm_email_norm(c.email), '@', 2),
                            'none') AS blk,
                   ccrm_person_name(c.first_name, c.last_name) AS nm
              FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id
        ),
        sig AS (
            SELECT x.a, x.b, 0.9::real AS w, 'same e-mail'::text AS why FROM (
                SELECT min(c.id) OVER w AS a, c.id AS b, count(*) OVER w AS n FROM c
                 WHERE c.em IS NOT NULL WINDOW w AS (PARTITION BY c.em)) x
             WHERE x.a <> x.b AND x.n <= 20
            UNION ALL
            SELECT x.a, x.b, 0.6, 'same phone' FROM (
                SELECT min(c.id) OVER w AS a, c.id AS b, count(*) OVER w AS n FROM c
                 WHERE c.ph IS NOT NULL WINDOW w AS (PARTITION BY c.ph)) x
             WHERE x.a <> x.b AND x.n <= 20
            UNION ALL
            SELECT least(x.id, x.pid), greatest(x.id, x.pid), (0.7 * similarity(x.nm, x.pnm))::real,
                   'similar name'
              FROM (SELECT c.id, c.nm, k.pid, k.pnm FROM (
                        SELECT c.id, c.nm, c.blk,
                               lag(c.id, 1) OVER w AS p1, lag(c.nm, 1) OVER w AS n1,
                               lag(c.id, 2) OVER w AS p2, lag(c.nm, 2) OVER w AS n2,
                               lag(c.id, 3) OVER w AS p3, lag(c.nm, 3) OVER w AS n3
                          FROM c WHERE c.nm IS NOT NULL AND c.blk <> 'none'
                        WINDOW w AS (PARTITION BY c.blk ORDER BY c.nm, c.id)) c
                    CROSS JOIN LATERAL (VALUES (c.p1, c.n1), (c.p2, c.n2), (c.p3, c.n3)) k(pid, pnm)
                     WHERE k.pid IS NOT NULL) x
             WHERE similarity(x.nm, x.pnm) >= 0.6
        )
        SELECT s.a, s.b, (1 - exp(sum(ln(1 - least(s.w, 0.99)))))::real,
               array_agg(DISTINCT s.why ORDER BY s.why),
               (SELECT concat_ws(' ', c.first_name, c.last_name) || coalesce(' <' || c.email || '>', '')
                  FROM contacts c WHERE c.id = s.a),
               (SELECT concat_ws(' ', c.first_name, c.last_name) || coalesce(' <' || c.email || '>', '')
                  FROM contacts c WHERE c.id = s.b)
          FROM sig s
         WHERE NOT EXISTS (SELECT 1 FROM not_duplicates d
                            WHERE d.entity = 'contacts' AND d.a_id = s.a AND d.b_id = s.b)
         GROUP BY s.a, s.b
        HAVING (1 - exp(sum(ln(1 - least(s.w, 0.99))))) >= p_min_score
         ORDER BY 3 DESC, 1, 2 LIMIT p_limit;
    ELSIF p_entity = 'leads' THEN
        RETURN QUERY
        WITH l AS MATERIALIZED (
            SELECT l.id, ccrm_email_norm(l.email) AS em,
                   coalesce(ccrm_name_key(l.company), 'd:' || split_part(ccrm_email_norm(l.email), '@', 2),
                            'none') AS blk,
                   ccrm_person_name(l.first_name, l.last_name) AS nm
              FROM leads l
        ),
        sig AS (
            SELECT x.a, x.b, 0.9::real AS w, 'same e-mail'::text AS why FROM (
                SELECT min(l.id) OVER w AS a, l.id AS b, count(*) OVER w AS n FROM l
                 WHERE l.em IS NOT NULL WINDOW w AS (PARTITION BY l.em)) x
             WHERE x.a <> x.b AND x.n <= 20
            UNION ALL
            SELECT least(x.id, x.pid), greatest(x.id, x.pid), (0.7 * similarity(x.nm, x.pnm))::real,
                   'similar name, same company'
              FROM (SELECT l.id, l.nm, k.pid, k.pnm FROM (
                        SELECT l.id, l.nm,
                               lag(l.id, 1) OVER w AS p1, lag(l.nm, 1) OVER w AS n1,
                               lag(l.id, 2) OVER w AS p2, lag(l.nm, 2) OVER w AS n2,
                               lag(l.id, 3) OVER w AS p3, lag(l.nm, 3) OVER w AS n3
                          FROM l WHERE l.nm IS NOT NULL AND l.blk <> 'none'
                        WINDOW w AS (PARTITION BY l.blk ORDER BY l.nm, l.id)) l
                    CROSS JOIN LATERAL (VALUES (l.p1, l.n1), (l.p2, l.n2), (l.p3, l.n3)) k(pid, pnm)
                     WHERE k.pid IS NOT NULL) x
             WHERE similarity(x.nm, x.pnm) >= 0.6
        )
        SELECT s.a, s.b, (1 - exp(sum(ln(1 - least(s.w, 0.99)))))::real,
               array_agg(DISTINCT s.why ORDER BY s.why),
               (SELECT coalesce(nullif(concat_ws(' ', x.first_name, x.last_name), ''), x.company, x.email)
                       || coalesce(' <' || x.email || '>', '') FROM leads x WHERE x.id = s.a),
               (SELECT coalesce(nullif(concat_ws(' ', x.first_name, x.last_name), ''), x.company, x.email)
                       || coalesce(' <' || x.email || '>', '') FROM leads x WHERE x.id = s.b)
          FROM sig s
         WHERE NOT EXISTS (SELECT 1 FROM not_duplicates d
                            WHERE d.entity = 'leads' AND d.a_id = s.a AND d.b_id = s.b)
         GROUP BY s.a, s.b
        HAVING (1 - exp(sum(ln(1 - least(s.w, 0.99))))) >= p_min_score
         ORDER BY 3 DESC, 1, 2 LIMIT p_limit;
    ELSIF p_entity = 'accounts' THEN
        RETURN QUERY
        WITH a AS MATERIALIZED (
            SELECT a.id, ccrm_domain_norm(coalesce(nullif(btrim(a.domain), ''), a.website)) AS dm,
                   ccrm_phone_e164(a.phone, a.country) AS ph, ccrm_name_key(a.name) AS k
              FROM accounts a
        ),
        sig AS (
            SELECT x.a, x.b, 0.7::real AS w, 'same domain'::text AS why FROM (
                SELECT min(a.id) OVER w AS a, a.id AS b, count(*) OVER w AS n FROM a
                 WHERE a.dm IS NOT NULL WINDOW w AS (PARTITION BY a.dm)) x
             WHERE x.a <> x.b AND x.n <= 20
            UNION ALL
            SELECT x.a, x.b, 0.6, 'same phone' FROM (
                SELECT min(a.id) OVER w AS a, a.id AS b, count(*) OVER w AS n FROM a
                 WHERE a.ph IS NOT NULL WINDOW w AS (PARTITION BY a.ph)) x
             WHERE x.a <> x.b AND x.n <= 20
            UNION ALL
            SELECT x.a, x.b, 0.7, 'same name' FROM (
                SELECT min(a.id) OVER w AS a, a.id AS b, count(*) OVER w AS n FROM a
                 WHERE a.k IS NOT NULL WINDOW w AS (PARTITION BY a.k)) x
             WHERE x.a <> x.b AND x.n <= 20
            UNION ALL
            SELECT least(x.id, x.pid), greatest(x.id, x.pid), (0.5 * similarity(x.k, x.pk))::real,
                   'similar name'
              FROM (SELECT a.id, a.k, p.pid, p.pk FROM (
                        SELECT a.id, a.k,
                               lag(a.id, 1) OVER w AS p1, lag(a.k, 1) OVER w AS k1,
                               lag(a.id, 2) OVER w AS p2, lag(a.k, 2) OVER w AS k2,
                               lag(a.id, 3) OVER w AS p3, lag(a.k, 3) OVER w AS k3
                          FROM a WHERE a.k IS NOT NULL
                        WINDOW w AS (ORDER BY a.k, a.id)) a
                    CROSS JOIN LATERAL (VALUES (a.p1, a.k1), (a.p2, a.k2), (a.p3, a.k3)) p(pid, pk)
                     WHERE p.pid IS NOT NULL AND p.pk <> a.k) x
             WHERE regexp_replace(x.k, '[^0-9]', '', 'g') = regexp_replace(x.pk, '[^0-9]', '', 'g')
               AND similarity(x.k, x.pk) >= 0.6
        )
        SELECT s.a, s.b, (1 - exp(sum(ln(1 - least(s.w, 0.99)))))::real,
               array_agg(DISTINCT s.why ORDER BY s.why),
               (SELECT x.name || coalesce(' (' || x.domain || ')', '') FROM accounts x
                 WHERE x.id = s.a)::text,
               (SELECT x.name || coalesce(' (' || x.domain || ')', '') FROM accounts x
                 WHERE x.id = s.b)::text
          FROM sig s
         WHERE NOT EXISTS (SELECT 1 FROM not_duplicates d
                            WHERE d.entity = 'accounts' AND d.a_id = s.a AND d.b_id = s.b)
         GROUP BY s.a, s.b
        HAVING (1 - exp(sum(ln(1 - least(s.w, 0.99))))) >= p_min_score
         ORDER BY 3 DESC, 1, 2 LIMIT p_limit;
    ELSE
        RAISE EXCEPTION 'duplicates are looked for among contacts, leads and accounts, not "%"',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
END
$$;

-- Remember that two records are not duplicates (the Duplicates view's "not a duplicate"):
-- the pair is left out of ccrm_duplicate_pairs from now on. Whoever may merge them.
-- Returns the mark's id (the same one when marked before).
CREATE OR REPLACE FUNCTION ccrm_not_duplicate(p_entity text, p_a bigint, p_b bigint,
                                              p_note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('contacts', 'leads', 'accounts') THEN
        RAISE EXCEPTION 'duplicates are contacts, leads or accounts, not "%"',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF p_a IS NULL OR p_b IS NULL OR p_a = p_b THEN
        RAISE EXCEPTION 'a pair is two different records' USING ERRCODE = '22023';
    END IF;
    IF NOT ccrm_record_exists(p_entity, p_a) OR NOT ccrm_record_exists(p_entity, p_b) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity),
                        CASE WHEN ccrm_record_exists(p_entity, p_a) THEN p_b ELSE p_a END
            USING ERRCODE = 'P0002';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot judge duplicates' USING ERRCODE = '42501';
    END IF;
    IF NOT ccrm_may_merge(p_entity) THEN
        RAISE EXCEPTION 'only % and admin judge duplicate %',
                        CASE p_entity WHEN 'contacts' THEN 'sales, marketing, management'
                                      WHEN 'leads' THEN 'marketing, management'
                                      ELSE 'sales, management' END, p_entity
            USING ERRCODE = '42501';
    END IF;
    SELECT d.id INTO v_id FROM not_duplicates d
     WHERE d.entity = p_entity AND d.a_id = least(p_a, p_b) AND d.b_id = greatest(p_a, p_b);
    IF v_id IS NULL THEN
        INSERT INTO not_duplicates (entity, a_id, b_id, note)
        VALUES (p_entity, least(p_a, p_b), greatest(p_a, p_b), nullif(btrim(p_note), ''))
        RETURNING id INTO v_id;
    END IF;
    RETURN v_id;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Merging duplicates, and undoing a merge from the audit trail
-- ---------------------------------------------------------------------------------------

-- The foreign keys that reference p_entity's table: (table, column, number of columns),
-- read from the catalog at run time, so a table added later is covered. presence is left
-- out: a session's "I am looking at this" row, gone within 90 s (it cascades).
CREATE OR REPLACE FUNCTION ccrm_merge_references(p_entity text)
RETURNS TABLE (tbl regclass, col name, ncols int)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT c.conrelid::regclass, a.attname, cardinality(c.conkey)
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.confrelid = to_regclass(format('public.%I', p_entity))
       AND c.conrelid <> 'public.presence'::regclass
     ORDER BY c.conrelid::regclass::text, a.attname
$$;

-- The tables that point at a record by (entity, entity_id): comments, chat, inbox entries and
-- any later table built that way. Not re-pointed: audit and events (the history of what
-- happened to that id; the merged id resolves through merges) and presence (transient).
CREATE OR REPLACE FUNCTION ccrm_merge_soft_references() RETURNS SETOF regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
       AND c.relname NOT IN ('audit', 'events', 'presence', 'merges')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'entity'
                      AND NOT a.attisdropped AND a.atttypid = 'text'::regtype)
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                      AND a.attname = 'entity_id' AND NOT a.attisdropped
                      AND a.atttypid = 'bigint'::regtype)
     ORDER BY c.relname
$$;

-- Point the rows of p_tbl whose p_col is p_from (and whose entity is p_entity, for soft
-- references) at p_to: one UPDATE; when that breaks a rule (a unique key: the survivor has
-- such a row already; an opt-out), row by row, and a row the survivor cannot take is deleted
-- (the audit trail keeps it: an unmerge puts it back). Only for ccrm_merge.
CREATE OR REPLACE FUNCTION ccrm_merge_repoint(p_tbl regclass, p_col name, p_entity text,
                                              p_from bigint, p_to bigint,
                                              OUT moved bigint, OUT removed bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_where text := format('%I = $1', p_col)
                    || CASE WHEN p_entity IS NOT NULL THEN ' AND entity = $3' ELSE '' END;
    v_id    bigint;
BEGIN
    moved := 0;
    removed := 0;
    BEGIN
        EXECUTE format('UPDATE %s SET %I = $2 WHERE %s', p_tbl, p_col, v_where)
            USING p_from, p_to, p_entity;
        GET DIAGNOSTICS moved = ROW_COUNT;
        RETURN;
    EXCEPTION WHEN unique_violation OR check_violation OR exclusion_violation THEN
        NULL;
    END;
    FOR v_id IN EXECUTE format('SELECT id FROM %s WHERE %s ORDER BY id', p_tbl, v_where)
                USING p_from, p_to, p_entity LOOP
        BEGIN
            EXECUTE format('UPDATE %s SET %I = $2 WHERE id = $1', p_tbl, p_col) USING v_id, p_to;
            moved := moved + 1;
        EXCEPTION WHEN unique_violation OR check_violation OR exclusion_violation THEN
            EXECUTE format('DELETE FROM %s WHERE id = $1', p_tbl) USING v_id;
            removed := removed + 1;
        END;
    END LOOP;
END
$$;
SELECT ccrm_set_execute('ccrm_merge_repoint(regclass,name,text,bigint,bigint)');

-- Where a merged record went: the survivor (following merges of merges), or p_id itself.
CREATE OR REPLACE FUNCTION ccrm_resolve(p_entity text, p_id bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH RECURSIVE ch AS (
        SELECT p_id AS id, 0 AS depth
        UNION ALL
        SELECT m.survivor_id, ch.depth + 1 FROM ch
          JOIN merges m ON m.entity = p_entity AND m.merged_id = ch.id AND m.undone_at IS NULL
         WHERE ch.depth < 50
    )
    SELECT ch.id FROM ch ORDER BY ch.depth DESC LIMIT 1
$$;

-- How two accounts are shared differently, in words ("#50 with Nordlicht Reseller GmbH, #4
-- with no partner"; a NULL one, a person's lack of an account, is "no account" and shared with
-- nobody), or NULL when every partner organisation sees both or neither. A merge puts
-- the records of both under one account, so unless they are shared alike some partner would
-- see records it does not see now (the survivor's, or those moved onto it), or lose records it
-- sees: that is a change of account_shares, which only admins make (docs/security.md).
CREATE OR REPLACE FUNCTION ccrm_merge_shares_differ(p_a bigint, p_b bigint) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH s AS (SELECT x.account_id, x.partner_org_id FROM account_shares x
                WHERE x.account_id IN (p_a, p_b))
    SELECT CASE WHEN EXISTS (SELECT 1 FROM s
                              WHERE NOT EXISTS (SELECT 1 FROM s t
                                                 WHERE t.partner_org_id = s.partner_org_id
                                                   AND t.account_id <> s.account_id))
           THEN (SELECT string_agg(CASE WHEN a.id IS NULL THEN 'no account'
                                        ELSE format('#%s with %s', a.id,
                                          coalesce((SELECT string_agg(o.name, ', ' ORDER BY o.name)
                                                      FROM s JOIN partner_orgs o
                                                        ON o.id = s.partner_org_id
                                                     WHERE s.account_id = a.id), 'no partner')) END,
                                   ', ' ORDER BY a.o)
                   FROM (VALUES (p_a, 1), (p_b, 2)) a(id, o)) END
$$;

-- Merge the duplicate p_merged into p_survivor (contacts, leads or accounts), in the caller's
-- transaction, all or nothing. Returns the merge's id (ccrm --unmerge takes it).
--   1. people: one campaign membership per campaign (the survivor's, at the furthest status of
--      the two) and one consent per channel (an opt-out of either stands: the earliest); a
--      pair marked "not a duplicate" with the merged record names the survivor (115);
--   2. rows pointing at it by (entity, entity_id) -- comments, chat, inbox entries, any such
--      table -- point at the survivor;
--   3. every foreign key that references the table (read from pg_constraint now) is
--      re-pointed, in passes until none is left (a trigger may keep a row's old value until
--      another table has moved: chat takes its account from its record); a row the survivor
--      cannot take (a unique key, an opt-out) is removed, and kept in the audit trail;
--   4. the merged record is deleted (its id resolves to the survivor: merges, ccrm_resolve);
--   5. the survivor keeps the chosen values: p_fields {"column": "merged" | "survivor"}; a
--      column not named keeps the survivor's value, or takes the merged record's where the
--      survivor has none;
--   6. one timeline entry (a note on the survivor).
-- Every write is an ordinary audited statement of this transaction, so the audit rows of its
-- xid are the undo data; a table the merge would write without an audit trail refuses the
-- merge. Rights: ccrm_may_merge (contacts: sales, marketing, management; leads: marketing,
-- management; accounts: sales, management; admin; never partners). DEFINER: the merge
-- updates tables the caller may not (campaign members, other departments' tables) and
-- deletes; stamps, audit and events still name the caller.
CREATE OR REPLACE FUNCTION ccrm_merge(p_entity text, p_survivor bigint, p_merged bigint,
                                      p_fields jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who    text := ccrm_person();
    v_noun   text := ccrm_entity_noun(p_entity);
    v_tbl    regclass;
    v_surv   jsonb;
    v_old    jsonb;
    v_cur    jsonb;
    v_new    jsonb;
    v_id     bigint;
    v_col    text;
    v_cols   text;
    v_rcols  text;
    v_bad    text;
    v_left   bigint;
    v_n      bigint;
    v_label  text;
    r        record;
    k        text;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('contacts', 'leads', 'accounts') THEN
        RAISE EXCEPTION 'cannot merge "%": contacts, leads and accounts are merged',
                        coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF NOT pg_has_role(v_who, 'ccrm_internal', 'USAGE') THEN
        RAISE EXCEPTION 'partners cannot merge records' USING ERRCODE = '42501';
    END IF;
    IF NOT ccrm_may_merge(p_entity) THEN
        RAISE EXCEPTION 'only % and admin merge %',
                        CASE p_entity WHEN 'contacts' THEN 'sales, marketing, management'
                                      WHEN 'leads' THEN 'marketing, management'
                                      ELSE 'sales, management' END, p_entity
            USING ERRCODE = '42501';
    END IF;
    IF p_survivor IS NULL OR p_merged IS NULL OR p_survivor = p_merged THEN
        RAISE EXCEPTION 'a % is merged into another one', v_noun USING ERRCODE = '22023';
    END IF;
    v_tbl := format('public.%I', p_entity)::regclass;
    -- both rows, locked in id order (two merges of the same pair wait instead of deadlocking)
    FOR r IN EXECUTE format('SELECT t.id, to_jsonb(t) AS j FROM %s t WHERE t.id IN ($1, $2)'
                            ' ORDER BY t.id FOR UPDATE', v_tbl) USING p_survivor, p_merged LOOP
        IF r.id = p_survivor THEN
            v_surv := r.j;
        ELSE
            v_old := r.j;
        END IF;
    END LOOP;
    IF v_surv IS NULL OR v_old IS NULL THEN
        v_id := CASE WHEN v_surv IS NULL THEN p_survivor ELSE p_merged END;
        SELECT format(' (merged into #%s, merge %s)', m.survivor_id, m.id) INTO v_label
          FROM merges m WHERE m.entity = p_entity AND m.merged_id = v_id AND m.undone_at IS NULL
         ORDER BY m.id DESC LIMIT 1;
        RAISE EXCEPTION '% #% not found%', v_noun, v_id, coalesce(v_label, '')
            USING ERRCODE = 'P0002';
    END IF;
    IF p_fields IS NOT NULL AND jsonb_typeof(p_fields) <> 'object' THEN
        RAISE EXCEPTION 'the fields to keep are an object {"column": "survivor" | "merged"}'
            USING ERRCODE = '22023';
    END IF;
    FOR k IN SELECT jsonb_object_keys(coalesce(p_fields, '{}')) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = v_tbl AND a.attname = k AND a.attnum > 0
                          AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = ''
                          AND a.attname NOT IN ('created_at', 'created_by', 'updated_at',
                                                'updated_by', 'version')) THEN
            RAISE EXCEPTION 'cannot keep "%": not a field of a %', k, v_noun
                USING ERRCODE = '22023';
        END IF;
        IF jsonb_typeof(p_fields -> k) <> 'string' OR p_fields ->> k NOT IN ('survivor', 'merged')
        THEN
            RAISE EXCEPTION 'field "%": keep "survivor" or "merged"', k USING ERRCODE = '22023';
        END IF;
    END LOOP;
    -- the undo reads the audit trail: every table the merge writes must keep one
    SELECT string_agg(DISTINCT x.tbl::text, ', ') INTO v_bad
      FROM (SELECT f.tbl FROM ccrm_merge_references(p_entity) f
            UNION SELECT s FROM ccrm_merge_soft_references() s
            UNION SELECT v_tbl) x
     WHERE NOT EXISTS (SELECT 1 FROM pg_trigger g
                        WHERE g.tgrelid = x.tbl
                          AND g.tgfoid = 'public.ccrm_log_changes()'::regprocedure);
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot merge %: % keep no audit trail, so the merge could not be undone',
                        p_entity, v_bad USING ERRCODE = '55000';
    END IF;
    SELECT string_agg(f.tbl::text, ', ') INTO v_bad FROM ccrm_merge_references(p_entity) f
     WHERE f.ncols > 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot merge %: % references it with a key of several columns',
                        p_entity, v_bad USING ERRCODE = '55000';
    END IF;
    -- an issued invoice or credit note, a sent quote keeps its buyer (schema/020: what the
    -- customer got does not change): the record it names must be the survivor
    IF p_entity IN ('contacts', 'accounts') THEN
        v_col := CASE p_entity WHEN 'contacts' THEN 'contact_id' ELSE 'account_id' END;
        FOR r IN SELECT x.id,
                        (SELECT d.label FROM (
                             SELECT 1 AS o, i.id,
                                    i.status || ' ' || ccrm_doc_label(i.kind, i.id, i.number) AS label
                               FROM invoices i
                              WHERE (v_col = 'contact_id' AND i.contact_id = x.id
                                     OR v_col = 'account_id' AND i.account_id = x.id)
                                AND i.status <> 'draft'
                             UNION ALL
                             SELECT 2, q.id, q.status || ' ' || ccrm_doc_label('quote', q.id, NULL)
                               FROM quotes q
                              WHERE (v_col = 'contact_id' AND q.contact_id = x.id
                                     OR v_col = 'account_id' AND q.account_id = x.id)
                                AND q.status <> 'draft') d
                          ORDER BY d.o, d.id LIMIT 1) AS doc
                   FROM (VALUES (p_merged, 1), (p_survivor, 2)) x(id, o) ORDER BY x.o LOOP
            IF r.id = p_merged THEN
                v_label := r.doc;
            ELSIF v_label IS NOT NULL AND r.doc IS NOT NULL THEN
                RAISE EXCEPTION '% #% is on % and #% on %: neither can be merged into the other',
                                v_noun, p_merged, v_label, p_survivor, r.doc
                    USING ERRCODE = '55000',
                          HINT = 'An issued invoice or a sent quote keeps the buyer it names.';
            END IF;
        END LOOP;
        IF v_label IS NOT NULL THEN
            RAISE EXCEPTION '% #% is on %: keep it as the survivor (s swaps)', v_noun, p_merged,
                            v_label
                USING ERRCODE = '55000',
                      HINT = format('An issued invoice or a sent quote keeps the buyer it names. '
                                    'In SQL: ccrm_merge(%L, %s, %s).', p_entity, p_merged,
                                    p_survivor);
        END IF;
        v_label := NULL;
    END IF;
    -- accounts shared differently: only an admin, who decides about sharing, merges them (the
    -- survivor then keeps the shares of both)
    IF p_entity = 'accounts' AND NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE') THEN
        v_bad := ccrm_merge_shares_differ(p_merged, p_survivor);
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot merge account #% into #%: they are shared differently (%)',
                            p_merged, p_survivor, v_bad
                USING ERRCODE = '42501',
                      HINT = 'A merge would show partners records they do not see now, or hide '
                             'records they see. An admin shares both alike first (ccrm --share or '
                             '--unshare ACCOUNT --partner ORG), or merges them.';
        END IF;
    END IF;
    -- people of accounts shared differently, likewise (115): a partner sees a person's mail,
    -- interests and consents with the person, so the merged person's would show to the
    -- partners of the survivor's account (or the survivor's be hidden from those of the
    -- merged one's) -- a merge of a stray contact of no account into one of a shared account
    -- showed its mail to the reseller
    IF p_entity IN ('contacts', 'leads') AND NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE')
       AND (v_old ->> 'account_id') IS DISTINCT FROM (v_surv ->> 'account_id') THEN
        v_bad := ccrm_merge_shares_differ((v_old ->> 'account_id')::bigint,
                                          (v_surv ->> 'account_id')::bigint);
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot merge % #% into #%: their accounts are shared differently (%)',
                            v_noun, p_merged, p_survivor, v_bad
                USING ERRCODE = '42501',
                      HINT = 'A merge would show partners records they do not see now, or hide '
                             'records they see. An admin shares both accounts alike first, or '
                             'merges them.';
        END IF;
    END IF;

    -- the audit rows of this merge come after an id taken from the audit's sequence before its
    -- first write, and end with its timeline note (its last write, below): its undo takes
    -- those alone, not other writes of the same transaction (two merges in one statement, an
    -- edit before or after it: 088)
    INSERT INTO merges (entity, survivor_id, merged_id, fields, survivor_row, merged_row,
                        audit_from)
    VALUES (p_entity, p_survivor, p_merged, coalesce(p_fields, '{}'), v_surv, v_old,
            nextval(pg_get_serial_sequence('public.audit', 'id')))
    RETURNING id INTO v_id;

    -- 1. people: campaign memberships and consents follow a rule of their own
    IF p_entity IN ('contacts', 'leads') THEN
        v_col := CASE p_entity WHEN 'contacts' THEN 'contact_id' ELSE 'lead_id' END;
        EXECUTE format('UPDATE campaign_members s SET status = m.status FROM campaign_members m'
                       ' WHERE s.%1$I = $1 AND m.%1$I = $2 AND m.campaign_id = s.campaign_id'
                       '   AND ccrm_response_rank(m.status) > ccrm_response_rank(s.status)', v_col)
            USING p_survivor, p_merged;
        EXECUTE format('DELETE FROM campaign_members m USING campaign_members s'
                       ' WHERE m.%1$I = $2 AND s.%1$I = $1 AND s.campaign_id = m.campaign_id', v_col)
            USING p_survivor, p_merged;
        EXECUTE format('UPDATE consents s SET opted_out_at = least(s.opted_out_at, m.opted_out_at),'
                       '       consented_at = greatest(s.consented_at, m.consented_at)'
                       '  FROM consents m WHERE s.%1$I = $1 AND m.%1$I = $2 AND m.channel = s.channel'
                       '   AND (s.opted_out_at, s.consented_at) IS DISTINCT FROM'
                       '       (least(s.opted_out_at, m.opted_out_at),'
                       '        greatest(s.consented_at, m.consented_at))', v_col)
            USING p_survivor, p_merged;
        EXECUTE format('DELETE FROM consents m USING consents s'
                       ' WHERE m.%1$I = $2 AND s.%1$I = $1 AND s.channel = m.channel', v_col)
            USING p_survivor, p_merged;
    END IF;

    -- "not a duplicate" said of the merged record and another holds for the survivor and that
    -- one (115: the scan offered the pair again, which someone had judged apart already): the
    -- mark names the survivor, one per pair; a mark of the two merged goes. Audited, undone.
    DELETE FROM not_duplicates d
     WHERE d.entity = p_entity
       AND ((d.a_id = least(p_survivor, p_merged) AND d.b_id = greatest(p_survivor, p_merged))
            OR EXISTS (SELECT 1
                         FROM (SELECT CASE WHEN d.a_id = p_merged THEN d.b_id ELSE d.a_id END) o(id),
                              not_duplicates e
                        WHERE p_merged IN (d.a_id, d.b_id) AND e.entity = p_entity
                          AND e.a_id = least(p_survivor, o.id)
                          AND e.b_id = greatest(p_survivor, o.id)));
    UPDATE not_duplicates d
       SET a_id = least(p_survivor, o.id), b_id = greatest(p_survivor, o.id)
      FROM (SELECT x.id, CASE WHEN x.a_id = p_merged THEN x.b_id ELSE x.a_id END
              FROM not_duplicates x
             WHERE x.entity = p_entity AND p_merged IN (x.a_id, x.b_id)) o(nd, id)
     WHERE d.id = o.nd;

    -- 2. references by (entity, entity_id)
    FOR r IN SELECT s AS tbl FROM ccrm_merge_soft_references() s LOOP
        PERFORM ccrm_merge_repoint(r.tbl, 'entity_id', p_entity, p_merged, p_survivor);
    END LOOP;

    -- 3. every foreign key, until none points at the merged record
    FOR i IN 1 .. 4 LOOP
        FOR r IN SELECT * FROM ccrm_merge_references(p_entity) LOOP
            PERFORM ccrm_merge_repoint(r.tbl, r.col, NULL, p_merged, p_survivor);
        END LOOP;
        v_left := 0;
        v_bad := NULL;
        FOR r IN SELECT * FROM ccrm_merge_references(p_entity) LOOP
            EXECUTE format('SELECT count(*) FROM %s WHERE %I = $1', r.tbl, r.col)
               INTO v_n USING p_merged;
            IF v_n > 0 THEN
                v_left := v_left + v_n;
                v_bad := coalesce(v_bad || ', ', '') || format('%s.%s', r.tbl, r.col);
            END IF;
        END LOOP;
        EXIT WHEN v_left = 0;
    END LOOP;
    IF v_left > 0 THEN
        RAISE EXCEPTION 'cannot merge % #% into #%: % rows still point at it (%)', v_noun,
                        p_merged, p_survivor, v_left, v_bad USING ERRCODE = '55000';
    END IF;

    -- 4. the merged record goes
    EXECUTE format('DELETE FROM %s WHERE id = $1', v_tbl) USING p_merged;

    -- 5. the survivor keeps the chosen values
    EXECUTE format('SELECT to_jsonb(t) FROM %s t WHERE t.id = $1', v_tbl) INTO v_cur
        USING p_survivor;
    SELECT jsonb_object_agg(a.attname,
               CASE WHEN p_fields ->> a.attname = 'merged' THEN v_old -> a.attname
                    WHEN p_fields ->> a.attname = 'survivor' THEN v_cur -> a.attname
                    WHEN jsonb_typeof(v_cur -> a.attname) = 'null'
                         OR btrim(v_cur ->> a.attname) = '' THEN v_old -> a.attname
                    ELSE v_cur -> a.attname END),
           string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg('r.' || quote_ident(a.attname), ', ' ORDER BY a.attnum)
      INTO v_new, v_cols, v_rcols
      FROM pg_attribute a
     WHERE a.attrelid = v_tbl AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = '' AND a.attidentity = ''
       AND a.attname NOT IN ('created_at', 'created_by', 'updated_at', 'updated_by', 'version');
    IF EXISTS (SELECT 1 FROM jsonb_each(v_new) e WHERE e.value IS DISTINCT FROM v_cur -> e.key) THEN
        EXECUTE format('UPDATE %s t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%s, $1) r)'
                       ' WHERE t.id = $2', v_tbl, v_cols, v_rcols, v_tbl)
            USING v_new, p_survivor;
    END IF;

    -- 6. one timeline entry
    v_label := CASE p_entity
        WHEN 'accounts' THEN v_old ->> 'name'
        ELSE coalesce(nullif(concat_ws(' ', v_old ->> 'first_name', v_old ->> 'last_name'), ''),
                      v_old ->> 'company', v_old ->> 'email') END
        || coalesce(' <' || (v_old ->> 'email') || '>', '');
    INSERT INTO interactions (kind, subject, body, contact_id, lead_id, account_id)
    VALUES ('note', format('Merged %s #%s into this one', v_noun, p_merged),
            format('%s #%s (%s) was merged into this %s by %s (merge %s). '
                   'ccrm --unmerge %s undoes it.', v_noun, p_merged, v_label, v_noun, v_who, v_id,
                   v_id),
            CASE WHEN p_entity = 'contacts' THEN p_survivor END,
            CASE WHEN p_entity = 'leads' THEN p_survivor END,
            CASE WHEN p_entity = 'accounts' THEN p_survivor
                 ELSE (v_new ->> 'account_id')::bigint END);
    RETURN v_id;
END
$$;
SELECT ccrm_set_execute('ccrm_merge(text,bigint,bigint,jsonb)', 'ccrm_internal');

-- Undo a merge (ccrm --unmerge MERGE): every write of the merge's transaction, read from the
-- audit trail, is undone backwards, one statement per run of the same table and operation:
-- rows it inserted are deleted, rows it updated get their earlier values back in the fields
-- it changed (stamps move on: version, updated_at and updated_by say the unmerge wrote them;
-- another field edited since keeps its edit, 115), rows it deleted (the merged record, rows
-- the survivor could not take) are inserted again exactly as they were, id and stamps
-- included. So the earlier state comes back exactly, whatever tables the merge touched, with
-- the edits made since to fields the merge did not write. Refused, with nothing undone, when
-- a field it wrote changed since, a row it inserted changed or one it moved is gone (the
-- error names it), the survivor was merged again or deleted, a row put back breaks a rule of
-- now (the merged contact's e-mail address taken since), or the audit trail of the merge is
-- gone. Whoever may merge that kind of record.
CREATE OR REPLACE FUNCTION ccrm_unmerge(p_merge bigint) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who  text := ccrm_person();
    m      record;
    r      record;
    t      regclass;
    v_bad  text;
    v_upd  text;
    v_uo   text;
    v_ins  text;
    v_io   text;
    v_rows bigint;
    v_n    bigint := 0;
    v_kept jsonb;
    v_note text;
    v_chans text[] := '{}';
    v_lo   bigint;
    v_hi   bigint;
    v_stamped boolean;
    v_con  text;
BEGIN
    IF NOT pg_has_role(v_who, 'ccrm_internal', 'USAGE') THEN
        RAISE EXCEPTION 'partners cannot undo merges' USING ERRCODE = '42501';
    END IF;
    SELECT * INTO m FROM merges x WHERE x.id = p_merge FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'merge % not found', p_merge USING ERRCODE = 'P0002';
    END IF;
    IF NOT ccrm_may_merge(m.entity) THEN
        RAISE EXCEPTION 'only % and admin undo merges of %',
                        CASE m.entity WHEN 'contacts' THEN 'sales, marketing, management'
                                      WHEN 'leads' THEN 'marketing, management'
                                      ELSE 'sales, management' END, m.entity
            USING ERRCODE = '42501';
    END IF;
    IF m.undone_at IS NOT NULL THEN
        RAISE EXCEPTION 'merge % was undone already, by % at %', p_merge, m.undone_by,
                        ccrm_when(m.undone_at) USING ERRCODE = '55000';
    END IF;
    -- the survivor, locked as a merge locks its two records: a merge of it into another one
    -- that runs now is waited for, and then said below (115: the undo put rows back over what
    -- that merge had just moved, and that merge could never be undone)
    EXECUTE format('SELECT 1 FROM public.%I WHERE id = $1 FOR UPDATE', m.entity)
        USING m.survivor_id;
    -- the merge's own audit rows: its transaction's, from the id it noted to its timeline
    -- note, its last write ("... (merge N). ccrm --unmerge N undoes it."), so that another
    -- merge or edit in the same transaction is not undone with it (088; a merge before 088
    -- noted none: its whole transaction, as then)
    v_lo := coalesce(m.audit_from, 0);
    v_hi := CASE WHEN m.audit_from IS NULL THEN NULL
                 ELSE (SELECT min(a.id) FROM audit a
                        WHERE a.xid = m.xid AND a.id > m.audit_from AND a.entity = 'interactions'
                          AND a.op = 'insert'
                          AND a.new_row ->> 'body' LIKE format('%% (merge %s). %%', m.id)) END;
    v_hi := coalesce(v_hi, 9223372036854775807);
    IF NOT EXISTS (SELECT 1 FROM audit a WHERE a.xid = m.xid AND a.id BETWEEN v_lo AND v_hi
                      AND a.entity = m.entity
                      AND a.entity_id = m.merged_id AND a.op = 'delete') THEN
        RAISE EXCEPTION 'cannot undo merge %: its audit trail is gone', p_merge
            USING ERRCODE = '55000';
    END IF;
    -- the survivor merged again since (a chain: the later merge moved this one's rows on), or
    -- deleted: said as such, not as the first moved row that changed with it (115)
    SELECT format('%s #%s was merged into #%s since (merge %s); undo that first',
                  ccrm_entity_noun(m.entity), x.merged_id, x.survivor_id, x.id)
      INTO v_bad
      FROM merges x
     WHERE x.entity = m.entity AND x.merged_id = m.survivor_id AND x.undone_at IS NULL
       AND x.id > m.id
     ORDER BY x.id LIMIT 1;
    IF v_bad IS NULL AND NOT ccrm_record_exists(m.entity, m.survivor_id)
       AND NOT EXISTS (SELECT 1 FROM merges x
                        WHERE x.entity = m.entity AND x.merged_id = m.survivor_id
                          AND x.undone_at IS NULL) THEN
        SELECT format('%s #%s, the survivor, was deleted after the merge%s',
                      ccrm_entity_noun(m.entity), m.survivor_id,
                      coalesce(' by ' || a.actor || ' at ' || ccrm_when(a.at), ''))
          INTO v_bad
          FROM (SELECT 1) o
          LEFT JOIN LATERAL (SELECT a.actor, a.at FROM audit a
                              WHERE a.entity = m.entity AND a.entity_id = m.survivor_id
                                AND a.op = 'delete'
                              ORDER BY a.id DESC LIMIT 1) a ON true;
    END IF;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot undo merge %: %; nothing undone', p_merge, v_bad
            USING ERRCODE = '55000';
    END IF;
    -- every row the merge wrote must still be as the merge left it, in what the merge wrote:
    -- a row it inserted, in every field (the undo deletes it); a row it updated, in the
    -- fields it changed (the undo puts back only those: a later edit of another field, the
    -- survivor's phone, a moved ticket's status, is kept, 115); a row it deleted must not
    -- exist again, but for a campaign membership the merge moved that an opt-out since has
    -- ended (the opt-out holds for both records after the undo, below: the person stays out)
    FOR r IN SELECT DISTINCT a.entity FROM audit a
              WHERE a.xid = m.xid AND a.id BETWEEN v_lo AND v_hi AND a.entity <> 'merges'
              ORDER BY a.entity LOOP
        t := to_regclass(format('public.%I', r.entity));
        IF t IS NULL THEN
            RAISE EXCEPTION 'cannot undo merge %: table % is gone', p_merge, r.entity
                USING ERRCODE = '55000';
        END IF;
        -- a table stamped by ccrm_stamp changes its version with every write: an unchanged
        -- version says "untouched" (cheap for the 10,000 rows of a busy contact); otherwise,
        -- and in any other table, the values are compared
        v_stamped := EXISTS (SELECT 1 FROM pg_trigger g
                              WHERE g.tgrelid = t AND g.tgfoid = 'public.ccrm_stamp()'::regprocedure)
                     AND EXISTS (SELECT 1 FROM pg_attribute a
                                  WHERE a.attrelid = t AND a.attname = 'version'
                                    AND NOT a.attisdropped);
        EXECUTE format($q$
            SELECT ccrm_entity_noun($2) || ' #' || z.entity_id
                   || CASE WHEN z.op = 'delete' THEN ' exists again'
                           WHEN z.tid IS NULL THEN ' was deleted after the merge'
                           ELSE coalesce(': ' || replace(z.col, '_', ' '), '')
                                || ' was changed after the merge'
                                || coalesce(' by ' || (to_jsonb(z.trow) ->> 'updated_by'), '')
                                || coalesce(' at ' || ccrm_when((to_jsonb(z.trow) ->> 'updated_at')::timestamptz),
                                            '') END
              FROM (SELECT l.entity_id, l.op, l.new_row, t.id AS tid, t AS trow,
                           -- the first field the merge updated that holds another value now
                           -- (looked for only in a row whose version moved on)
                           CASE WHEN l.op = 'update' AND t.id IS NOT NULL AND NOT (%2$s) THEN
                               (SELECT min(k.key)
                                  FROM audit b, jsonb_each(b.new_row) k
                                 WHERE b.xid = $1 AND b.entity = $2 AND b.id BETWEEN $3 AND $4
                                   AND b.entity_id = l.entity_id AND b.op = 'update'
                                   AND k.key NOT IN ('updated_at', 'updated_by', 'version', 'search')
                                   AND k.value IS DISTINCT FROM b.old_row -> k.key
                                   AND to_jsonb(t) -> k.key IS DISTINCT FROM l.new_row -> k.key)
                           END AS col,
                           CASE WHEN l.op = 'insert' AND t.id IS NOT NULL THEN
                               CASE WHEN l.new_row IS NULL THEN %4$s
                                    ELSE NOT (%2$s) AND %3$s END
                           END AS ins_changed
                      FROM (SELECT DISTINCT ON (w.entity_id) w.entity_id, w.op, w.new_row
                              FROM (SELECT a.id, coalesce(a.entity_id, g.x) AS entity_id, a.op,
                                           a.new_row
                                      FROM audit a
                                      LEFT JOIN LATERAL (SELECT generate_series(lower(r), upper(r) - 1) AS x
                                                           FROM unnest(a.ids) r) g ON a.ids IS NOT NULL
                                     WHERE a.xid = $1 AND a.entity = $2 AND a.id BETWEEN $3 AND $4) w
                             ORDER BY w.entity_id, w.id DESC) l
                      LEFT JOIN %1$s t ON t.id = l.entity_id) z
             WHERE ((z.op = 'delete') <> (z.tid IS NULL)
                    -- a membership the merge moved, ended since by the person's opt-out
                    AND NOT (z.op = 'update' AND $2 = 'campaign_members'
                             AND EXISTS (SELECT 1 FROM campaigns cp
                                          WHERE cp.id = (z.new_row ->> 'campaign_id')::bigint
                                            AND ccrm_opted_out((z.new_row ->> 'contact_id')::bigint,
                                                               (z.new_row ->> 'lead_id')::bigint,
                                                               cp.channel) IS NOT NULL)))
                OR z.col IS NOT NULL
                OR z.ins_changed
             ORDER BY z.entity_id LIMIT 1$q$, t,
             CASE WHEN v_stamped THEN 't.version = (l.new_row ->> ''version'')::int'
                  ELSE 'false' END,
             -- (a row the undo of a later merge put back as this merge left it has a newer
             -- version, and the same values: 093)
             format('(to_jsonb(t) - ARRAY[''version'', ''updated_at'', ''updated_by''])'
                    ' IS DISTINCT FROM (to_jsonb(jsonb_populate_record(NULL::%s, l.new_row))'
                    ' - ARRAY[''version'', ''updated_at'', ''updated_by''])', t),
             -- rows of an insert audited by their ids only (more than 20 in one statement, 018):
             -- untouched since when still at version 1
             CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a
                                WHERE a.attrelid = t AND a.attname = 'version' AND NOT a.attisdropped)
                  THEN 't.version <> 1' ELSE 'false' END)
           INTO v_bad USING m.xid, r.entity, v_lo, v_hi;
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot undo merge %: %; nothing undone', p_merge, v_bad
                USING ERRCODE = '55000',
                      HINT = 'Undo the later changes first, or merge again the way you want it now.';
        END IF;
    END LOOP;

    -- opt-outs recorded on the survivor since the merge (not by the merge itself: a row it
    -- moved or set counts when it had no opt-out then, 115) were said by someone who was
    -- both records then; the undo puts back the records of before (a consent it moved goes
    -- back to the merged record), and would give them back the memberships the opt-out
    -- ended. So they are kept, on both records (below).
    IF m.entity IN ('contacts', 'leads') THEN
        SELECT jsonb_agg(jsonb_build_object('channel', k.channel, 'at', k.opted_out_at,
                                            'source', k.source, 'note', k.note)
                         ORDER BY k.channel)
          INTO v_kept
          FROM consents k
         WHERE (m.entity = 'contacts' AND k.contact_id = m.survivor_id
                OR m.entity = 'leads' AND k.lead_id = m.survivor_id)
           AND k.opted_out_at IS NOT NULL AND k.updated_at >= m.created_at
           AND coalesce((SELECT a.new_row ->> 'opted_out_at' IS NULL FROM audit a
                          WHERE a.xid = m.xid AND a.id BETWEEN v_lo AND v_hi
                            AND a.entity = 'consents'
                            AND (a.entity_id = k.id OR a.ids @> k.id)
                          ORDER BY a.id DESC LIMIT 1), true);
    END IF;

    UPDATE merges x SET undone_at = now(), undone_by = v_who, undo_xid = pg_current_xact_id()
     WHERE x.id = p_merge;
    -- from here to the drop below, the statements restore (ccrm_restoring)
    CREATE TEMP TABLE ccrm_restoring_now (unmerge boolean) ON COMMIT DROP;

    BEGIN
        FOR r IN SELECT g.entity, g.op, array_agg(g.id ORDER BY g.id DESC) AS ids
                   FROM (SELECT a.id, a.entity, a.op,
                                row_number() OVER (ORDER BY a.id)
                                - row_number() OVER (PARTITION BY a.entity, a.op ORDER BY a.id) AS grp
                           FROM audit a
                          WHERE a.xid = m.xid AND a.id BETWEEN v_lo AND v_hi
                            AND a.entity <> 'merges') g
                  GROUP BY g.entity, g.op, g.grp
                  ORDER BY max(g.id) DESC LOOP
            t := format('public.%I', r.entity)::regclass;
            SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                       FILTER (WHERE a.attidentity = '' AND a.attname NOT IN
                                     ('created_at', 'created_by', 'updated_at', 'updated_by', 'version')),
                   string_agg('o.' || quote_ident(a.attname), ', ' ORDER BY a.attnum)
                       FILTER (WHERE a.attidentity = '' AND a.attname NOT IN
                                     ('created_at', 'created_by', 'updated_at', 'updated_by', 'version')),
                   string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
                   string_agg('o.' || quote_ident(a.attname), ', ' ORDER BY a.attnum)
              INTO v_upd, v_uo, v_ins, v_io
              FROM pg_attribute a
             WHERE a.attrelid = t AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
            IF r.op = 'insert' THEN
                EXECUTE format('DELETE FROM %s x USING audit a WHERE a.id = ANY ($1)'
                               ' AND (x.id = a.entity_id OR (a.ids IS NOT NULL AND a.ids @> x.id))', t)
                    USING r.ids;
            ELSIF r.op = 'update' THEN
                -- only the fields the merge changed, row by row (a re-pointing changed one):
                -- the check above saw them as the merge left them; another field changed since
                -- keeps its value of now (115)
                SELECT string_agg(quote_ident(c.key), ', ' ORDER BY c.key),
                       string_agg(format('CASE WHEN %L = ANY (a.keys) THEN %s ELSE x.%I END', c.key,
                                         CASE WHEN x.atttypid IN ('json'::regtype, 'jsonb'::regtype)
                                              THEN format('(a.old_row -> %L)::%s', c.key,
                                                          format_type(x.atttypid, x.atttypmod))
                                              WHEN t_.typcategory = 'A' OR t_.typtype = 'c'
                                              THEN format('(jsonb_populate_record(NULL::%s, a.old_row)).%I',
                                                          t, c.key)
                                              ELSE format('(a.old_row ->> %L)::%s', c.key,
                                                          format_type(x.atttypid, x.atttypmod)) END,
                                         c.key),
                                  ', ' ORDER BY c.key)
                  INTO v_upd, v_uo
                  FROM (SELECT DISTINCT k.key FROM audit a, jsonb_each(a.old_row) k
                         WHERE a.id = ANY (r.ids) AND k.value IS DISTINCT FROM a.new_row -> k.key) c
                  JOIN pg_attribute x ON x.attrelid = t AND x.attname = c.key AND x.attnum > 0
                                     AND NOT x.attisdropped AND x.attgenerated = ''
                                     AND x.attidentity = ''
                  JOIN pg_type t_ ON t_.oid = x.atttypid
                 WHERE c.key NOT IN ('created_at', 'created_by', 'updated_at', 'updated_by', 'version');
                CONTINUE WHEN v_upd IS NULL;
                EXECUTE format('UPDATE %1$s x SET (%2$s) = (SELECT %3$s)'
                               '  FROM (SELECT a.entity_id, a.old_row,'
                               '               ARRAY(SELECT k.key FROM jsonb_each(a.old_row) k'
                               '                      WHERE k.value IS DISTINCT FROM a.new_row -> k.key)'
                               '                   AS keys'
                               '          FROM (SELECT DISTINCT ON (a.entity_id) a.entity_id, a.old_row,'
                               '                       last_value(a.new_row) OVER (PARTITION BY a.entity_id'
                               '                           ORDER BY a.id ROWS BETWEEN UNBOUNDED PRECEDING'
                               '                           AND UNBOUNDED FOLLOWING) AS new_row'
                               '                  FROM audit a WHERE a.id = ANY ($1)'
                               '                 ORDER BY a.entity_id, a.id) a) a'
                               ' WHERE x.id = a.entity_id', t, v_upd, v_uo) USING r.ids;
            ELSE
                EXECUTE format('INSERT INTO %1$s (%2$s) OVERRIDING SYSTEM VALUE SELECT %3$s'
                               '  FROM audit a, jsonb_populate_record(NULL::%1$s, a.old_row) o'
                               ' WHERE a.id = ANY ($1) ORDER BY a.id DESC', t, v_ins, v_io)
                    USING r.ids;
            END IF;
            GET DIAGNOSTICS v_rows = ROW_COUNT;
            v_n := v_n + v_rows;
        END LOOP;
    EXCEPTION WHEN unique_violation OR check_violation OR object_not_in_prerequisite_state
                   OR raise_exception THEN
        -- a row put back breaks a rule of now (nothing is undone: the whole call fails): the
        -- merged contact's address taken by a contact since (e-mail is unique), a quote the
        -- undo would move sent since (final). Said as a refusal of the undo (115), not as a
        -- failure: "that record already exists", exit 70, said nothing of what to do.
        GET STACKED DIAGNOSTICS v_con = CONSTRAINT_NAME, v_note = MESSAGE_TEXT;
        IF v_con = 'contacts_email_key' THEN
            SELECT format('contact #%s would get back its e-mail address %s, which contact #%s '
                          'has now', m.merged_id, m.merged_row ->> 'email', c.id)
              INTO v_bad
              FROM contacts c
             WHERE lower(c.email) = lower(m.merged_row ->> 'email')
             ORDER BY c.id LIMIT 1;
        END IF;
        RAISE EXCEPTION 'cannot undo merge %: %; nothing undone', p_merge, coalesce(v_bad, v_note)
            USING ERRCODE = '55000',
                  HINT = CASE WHEN v_bad IS NOT NULL
                              THEN 'Give that contact another address first, or merge it too.'
                              ELSE 'Undo the later changes first, or merge again the way you '
                                   'want it now.' END;
    END;
    DROP TABLE pg_temp.ccrm_restoring_now;
    -- the opt-outs recorded on the survivor since the merge, on the restored record too (as
    -- written now, by the person undoing: stamped, audited; their trigger takes the restored
    -- record out of the open campaigns of the channel)
    FOR r IN SELECT * FROM jsonb_to_recordset(coalesce(v_kept, '[]'))
                           AS k(channel text, at timestamptz, source text, note text) LOOP
        v_note := left(concat_ws(E'\n', r.note,
                                 format('Recorded on %s #%s while #%s was merged into it (merge %s, '
                                        'undone by %s): kept for both.',
                                        ccrm_entity_noun(m.entity), m.survivor_id, m.merged_id,
                                        p_merge, v_who)), 2000);
        -- (on the record that has it already, nothing is written)
        IF m.entity = 'contacts' THEN
            INSERT INTO consents (contact_id, channel, opted_out_at, source, note)
            VALUES (m.merged_id, r.channel, r.at, r.source, v_note),
                   (m.survivor_id, r.channel, r.at, r.source, v_note)
            ON CONFLICT (contact_id, channel) DO UPDATE
               SET opted_out_at = excluded.opted_out_at, source = excluded.source,
                   note = excluded.note
             WHERE consents.opted_out_at IS NULL;
        ELSE
            INSERT INTO consents (lead_id, channel, opted_out_at, source, note)
            VALUES (m.merged_id, r.channel, r.at, r.source, v_note),
                   (m.survivor_id, r.channel, r.at, r.source, v_note)
            ON CONFLICT (lead_id, channel) DO UPDATE
               SET opted_out_at = excluded.opted_out_at, source = excluded.source,
                   note = excluded.note
             WHERE consents.opted_out_at IS NULL;
        END IF;
        v_chans := v_chans || r.channel;
    END LOOP;
    -- accounts: as the merge, a non-admin's undo leaves both shared alike (the state before
    -- the merge was, unless an admin merged accounts shared differently or has shared the
    -- survivor since: then the undo would hide records from partners that see them now)
    IF m.entity = 'accounts' AND NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE') THEN
        v_bad := ccrm_merge_shares_differ(m.merged_id, m.survivor_id);
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot undo merge %: the accounts would be shared differently (%); '
                            'nothing undone', p_merge, v_bad
                USING ERRCODE = '42501',
                      HINT = 'Partners would lose sight of records they see now. An admin undoes '
                             'it, or shares both alike first.';
        END IF;
    END IF;
    -- people: as the merge, a non-admin's undo leaves both of accounts shared alike (115)
    IF m.entity IN ('contacts', 'leads') AND NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE') THEN
        EXECUTE format('SELECT ccrm_merge_shares_differ(x.account_id, y.account_id)'
                       '  FROM %1$s x, %1$s y WHERE x.id = $1 AND y.id = $2'
                       '   AND x.account_id IS DISTINCT FROM y.account_id', m.entity)
           INTO v_bad USING m.merged_id, m.survivor_id;
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot undo merge %: their accounts are shared differently (%); '
                            'nothing undone', p_merge, v_bad
                USING ERRCODE = '42501',
                      HINT = 'Partners would lose sight of records they see now. An admin undoes '
                             'it, or shares both accounts alike first.';
        END IF;
    END IF;
    -- the state put back was valid when merged; an opt-out since (of the person under another
    -- record, a lead with the same e-mail) still takes them out of open campaigns
    IF m.entity = 'contacts' THEN
        PERFORM ccrm_consent_enforce(m.merged_id, NULL);
        PERFORM ccrm_consent_enforce(m.survivor_id, NULL);
    ELSIF m.entity = 'leads' THEN
        PERFORM ccrm_consent_enforce(NULL, m.merged_id);
        PERFORM ccrm_consent_enforce(NULL, m.survivor_id);
    END IF;
    RETURN format('undid merge %s: %s #%s is back beside #%s (%s rows restored)', p_merge,
                  ccrm_entity_noun(m.entity), m.merged_id, m.survivor_id, v_n)
           || CASE WHEN cardinality(v_chans) > 0
                   THEN format('; the opt-out%s from %s recorded on #%s since the merge now '
                               'holds for #%s too',
                               CASE WHEN cardinality(v_chans) > 1 THEN 's' ELSE '' END,
                               array_to_string(v_chans, ', '), m.survivor_id, m.merged_id)
                   ELSE '' END;
END
$$;
SELECT ccrm_set_execute('ccrm_unmerge(bigint)', 'ccrm_internal');

-- ---------------------------------------------------------------------------------------
-- Reports (`ccrm --report NAME`, the Reports view). Plain reads under the caller's row-level
-- security (a partner's figures count what it may see), STABLE, so they also run on a hot
-- standby ([database] replica_conninfo). Dates: [p_from, p_to); NULL takes the default
-- window each function names.
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION ccrm_stage_rank(p_stage text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT array_position(ARRAY['prospecting', 'qualification', 'proposal', 'negotiation', 'won',
                                'lost'], p_stage)
$$;

-- The window [f, t) of a report: the dates given, and the report's default (p_def_from,
-- p_def_to) for an end left out. A default end that would leave the window empty, the end
-- given lying past it (`--report pipeline --from 2031-01-01`, whose default end is 7 months
-- ahead; `--to 2020-01-01` before a default start a year back), is dropped instead: the window
-- is open on that side, from the day given on or up to it. It printed an empty report, exit 0.
CREATE OR REPLACE FUNCTION ccrm_report_window(p_from date, p_to date, p_def_from date,
                                              p_def_to date, OUT f date, OUT t date)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT CASE WHEN p_from IS NOT NULL THEN p_from
                WHEN p_to IS NOT NULL AND p_to <= p_def_from THEN '-infinity'::date
                ELSE p_def_from END,
           CASE WHEN p_to IS NOT NULL THEN p_to
                WHEN p_from IS NOT NULL AND p_from >= p_def_to THEN 'infinity'::date
                ELSE p_def_to END
$$;

-- Deals by month of their close date (the creation day when they have none) and stage, per
-- currency: count and amount. Default window: 11 months back to 6 months ahead.
CREATE OR REPLACE FUNCTION ccrm_report_pipeline(p_from date DEFAULT NULL, p_to date DEFAULT NULL)
RETURNS TABLE (month date, stage text, currency text, deals bigint, amount numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH w AS (SELECT x.f, x.t
                 FROM ccrm_report_window(p_from, p_to,
                                         (date_trunc('month', current_date) - interval '11 months')::date,
                                         (date_trunc('month', current_date) + interval '7 months')::date) x)
    SELECT date_trunc('month', d.day)::date, d.stage, d.currency::text, count(*),
           coalesce(sum(d.amount), 0)
      FROM w, LATERAL (SELECT o.stage, o.currency, o.amount,
                              coalesce(o.close_date, o.created_at::date) AS day
                         FROM opportunities o) d
     WHERE d.day >= w.f AND d.day < w.t
     GROUP BY 1, 2, 3
     ORDER BY 1, ccrm_stage_rank(d.stage), 3
$$;

-- Deals won and lost by month of their close date (their last change when they have none),
-- and the win rate won / (won + lost). Default window: the last 12 months.
CREATE OR REPLACE FUNCTION ccrm_report_win_rate(p_from date DEFAULT NULL, p_to date DEFAULT NULL)
RETURNS TABLE (month date, won bigint, lost bigint, win_rate numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH w AS (SELECT x.f, x.t
                 FROM ccrm_report_window(p_from, p_to,
                                         (date_trunc('month', current_date) - interval '11 months')::date,
                                         (date_trunc('month', current_date) + interval '1 month')::date) x),
    d AS (SELECT o.stage, coalesce(o.close_date, o.updated_at::date) AS day
            FROM opportunities o WHERE o.stage IN ('won', 'lost'))
    SELECT date_trunc('month', d.day)::date,
           count(*) FILTER (WHERE d.stage = 'won'), count(*) FILTER (WHERE d.stage = 'lost'),
           round(count(*) FILTER (WHERE d.stage = 'won')::numeric / count(*), 3)
      FROM w, d
     WHERE d.day >= w.f AND d.day < w.t
     GROUP BY 1 ORDER BY 1
$$;

-- Tickets opened per week (Monday) and product: opened, still open now, urgent. Default
-- window: the last 12 weeks.
CREATE OR REPLACE FUNCTION ccrm_report_tickets_by_product(p_from date DEFAULT NULL,
                                                          p_to date DEFAULT NULL)
RETURNS TABLE (week date, product text, opened bigint, open_now bigint, urgent bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH w AS (SELECT x.f, x.t
                 FROM ccrm_report_window(p_from, p_to,
                                         (date_trunc('week', current_date) - interval '11 weeks')::date,
                                         current_date + 1) x)
    SELECT date_trunc('week', t.created_at)::date, coalesce(nullif(btrim(t.product), ''), '(none)'),
           count(*), count(*) FILTER (WHERE t.status NOT IN ('solved', 'closed')),
           count(*) FILTER (WHERE t.priority = 'urgent')
      FROM w, tickets t
     WHERE t.created_at >= w.f AND t.created_at < w.t
     GROUP BY 1, 2 ORDER BY 1, 2
$$;

-- Tickets opened per week: how many, how many got a first response (an outgoing interaction on
-- the ticket: a call, mail, chat or meeting by us) and after how many hours (median, 90th
-- percentile), how many were solved or closed and after how many hours (from the audit trail:
-- the first write that set solved or closed; NULL for a role that may not read it). Default
-- window: the last 12 weeks.
CREATE OR REPLACE FUNCTION ccrm_report_response_times(p_from date DEFAULT NULL,
                                                      p_to date DEFAULT NULL)
RETURNS TABLE (week date, tickets bigint, answered bigint, first_response_p50_h numeric,
               first_response_p90_h numeric, resolved bigint, resolution_p50_h numeric,
               resolution_p90_h numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_f date := (ccrm_report_window(p_from, p_to,
                                    (date_trunc('week', current_date) - interval '11 weeks')::date,
                                    current_date + 1)).f;
    v_t date := (ccrm_report_window(p_from, p_to,
                                    (date_trunc('week', current_date) - interval '11 weeks')::date,
                                    current_date + 1)).t;
    v_audit boolean := has_table_privilege('public.audit', 'SELECT');
BEGIN
    RETURN QUERY
    WITH t AS (
        SELECT t.id, t.created_at,
               (SELECT min(i.at) FROM interactions i
                 WHERE i.ticket_id = t.id AND i.direction = 'out' AND i.at >= t.created_at) AS first_at,
               CASE WHEN v_audit THEN
                   (SELECT min(a.at) FROM audit a
                     WHERE a.entity = 'tickets' AND a.entity_id = t.id AND a.op IN ('insert', 'update')
                       AND a.new_row ->> 'status' IN ('solved', 'closed')) END AS solved_at
          FROM tickets t
         WHERE t.created_at >= v_f AND t.created_at < v_t
    )
    SELECT date_trunc('week', t.created_at)::date, count(*), count(t.first_at),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.first_at - t.created_at)) / 3600)::numeric, 1),
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.first_at - t.created_at)) / 3600)::numeric, 1),
           count(t.solved_at),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.solved_at - t.created_at)) / 3600)::numeric, 1),
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.solved_at - t.created_at)) / 3600)::numeric, 1)
      FROM t GROUP BY 1 ORDER BY 1;
END
$$;

-- Interests recorded in the window by product (a topic shows as "topic: ..."): how many, of how
-- many people and accounts, and from which source. Default window: the last 12 months. Run as
-- the caller: a partner counts only the interests its policies show it (schema/061).
CREATE OR REPLACE FUNCTION ccrm_report_interests_by_product(p_from date DEFAULT NULL,
                                                            p_to date DEFAULT NULL)
RETURNS TABLE (product text, interests bigint, people bigint, accounts bigint,
               from_tickets bigint, from_calls bigint, from_mail bigint, by_hand bigint,
               other bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH w AS (SELECT x.f, x.t
                 FROM ccrm_report_window(p_from, p_to, current_date - 365, current_date + 1) x)
    SELECT coalesce(i.product, 'topic: ' || i.topic)::text, count(*),
           count(DISTINCT coalesce('c' || i.contact_id, 'l' || i.lead_id)),
           count(DISTINCT i.account_id),
           count(*) FILTER (WHERE i.source IN ('ticket', 'signal')),
           count(*) FILTER (WHERE i.source = 'call'),
           count(*) FILTER (WHERE i.source = 'mail'),
           count(*) FILTER (WHERE i.source = 'hand'),
           count(*) FILTER (WHERE i.source NOT IN ('ticket', 'signal', 'call', 'mail', 'hand'))
      FROM w, interests i
     WHERE i.created_at >= w.f AND i.created_at < w.t
     GROUP BY 1 ORDER BY 2 DESC, 1
$$;

-- The funnel of every campaign running in the window (ccrm_campaign_results). Default window:
-- the last 12 months.
CREATE OR REPLACE FUNCTION ccrm_report_campaign_funnel(p_from date DEFAULT NULL,
                                                       p_to date DEFAULT NULL)
RETURNS TABLE (campaign_id bigint, name text, status text, members bigint, sent bigint,
               opened bigint, clicked bigint, replied bigint, registered bigint,
               converted bigint, leads_influenced bigint, deals_influenced bigint,
               deals_won bigint, revenue_won jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH w AS (SELECT x.f, x.t
                 FROM ccrm_report_window(p_from, p_to, current_date - 365, current_date + 1) x)
    SELECT r.campaign_id, r.name, r.status, r.members, r.sent, r.opened, r.clicked, r.replied,
           r.registered, r.converted, r.leads_influenced, r.deals_influenced, r.deals_won,
           r.revenue_won
      FROM w, campaigns cp, LATERAL ccrm_campaign_results(cp.id) r
     WHERE coalesce(cp.starts_on, cp.created_at::date) < w.t
       AND coalesce(cp.ends_on, 'infinity'::date) >= w.f
     ORDER BY coalesce(cp.starts_on, cp.created_at::date), cp.id
$$;
