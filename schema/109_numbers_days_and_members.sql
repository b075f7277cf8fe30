-- ccrm schema, migration 109: an amount is a number and a day a day of the calendar, one
-- person is a member of a campaign once, a consent stays its person's, and a response changed
-- is asked what a new one is, for every writer.
--
-- numeric takes 'NaN', and a CHECK (x >= 0) lets it through (NaN sorts above every number):
-- a deal's amount set to NaN by psql and back made the pipeline's running totals (ccrm_totals)
-- NaN for good, since NaN - NaN is NaN, and the campaign results' revenue won with them; a
-- campaign's budget and an account's annual revenue took it too. date takes 'infinity' and the
-- years 4713 BC to 5874897: a quote was sent "valid until infinity" (its PDF said so) and could
-- be accepted forever; a campaign ran from -infinity. The client's forms and imports take
-- neither (amounts are digits; days from 1900 to 9999), psql now gets the same answer:
-- "amount NaN: not a number" (22023), "valid until infinity: a day of the calendar from
-- 1900-01-01 to 9999-12-31" (22008), naming the column.
--
-- Triggers, not CHECKs (as 073 says why): a row stored before keeps what it has through every
-- write that leaves the value alone (a merge moving a deal to the survivor, a delete's SET
-- NULL), and rows put back as they were (an unmerge, an import's revert) are left so. Each
-- fires only WHEN a value is out of bounds, so the rule costs an import nothing.
-- (ccrm_finite_values, schema/functions/20_records.sql; tests/db/test_numbers_and_days.sh.)
-- A campaign response dated infinity was refused as "a response dated <NULL> is in the
-- future" (to_char has no words for it): now "dated infinity" (ccrm_responses_written).
CREATE TRIGGER ccrm_finite_values
    BEFORE INSERT OR UPDATE OF amount, close_date ON opportunities
    FOR EACH ROW
    WHEN (NEW.amount = 'NaN'::numeric
          OR NEW.close_date NOT BETWEEN date '1900-01-01' AND date '9999-12-31')
    EXECUTE FUNCTION ccrm_finite_values('number:amount', 'day:close_date');
CREATE TRIGGER ccrm_finite_values
    BEFORE INSERT OR UPDATE OF annual_revenue ON accounts
    FOR EACH ROW
    WHEN (NEW.annual_revenue = 'NaN'::numeric)
    EXECUTE FUNCTION ccrm_finite_values('number:annual_revenue');
CREATE TRIGGER ccrm_finite_values
    BEFORE INSERT OR UPDATE OF budget, starts_on, ends_on ON campaigns
    FOR EACH ROW
    WHEN (NEW.budget = 'NaN'::numeric
          OR NEW.starts_on NOT BETWEEN date '1900-01-01' AND date '9999-12-31'
          OR NEW.ends_on NOT BETWEEN date '1900-01-01' AND date '9999-12-31')
    EXECUTE FUNCTION ccrm_finite_values('number:budget', 'day:starts_on', 'day:ends_on');
CREATE TRIGGER ccrm_finite_values
    BEFORE INSERT OR UPDATE OF valid_until ON quotes
    FOR EACH ROW
    WHEN (NEW.valid_until NOT BETWEEN date '1900-01-01' AND date '9999-12-31')
    EXECUTE FUNCTION ccrm_finite_values('day:valid_until');

-- One person is a member of a campaign once, for every writer: a contact and its own lead (or
-- a lead of its e-mail address, or two leads of one address) were both taken by an INSERT, and
-- ccrm --export campaign_members gave the mailing tool the person twice; ccrm_campaign_add
-- left such a person out, psql did not. Refused now (23505, naming both records), after each
-- statement that adds members (ccrm_member_once and ccrm_member_twin,
-- schema/functions/92_marketing.sql).
CREATE TRIGGER ccrm_member_once AFTER INSERT ON campaign_members
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_member_once();
-- ... and an update that moves a membership to another person or campaign (but the schema's
-- owner's: a merge moves memberships by a rule of its own)
CREATE TRIGGER ccrm_member_once_upd AFTER UPDATE OF campaign_id, contact_id, lead_id
    ON campaign_members FOR EACH ROW
    WHEN ((OLD.campaign_id, OLD.contact_id, OLD.lead_id)
          IS DISTINCT FROM (NEW.campaign_id, NEW.contact_id, NEW.lead_id))
    EXECUTE FUNCTION ccrm_member_once();

-- A consent row keeps its person and channel, for everyone but the schema's owner: an UPDATE
-- by any internal user moved an opt-out to another contact or lead, or from e-mail to post,
-- which ended the person's opt-out without their opting in, and they were added to e-mail
-- campaigns again. Refused now (42501); opting in again (opted_out_at, consented_at) is an
-- update as before, and merges, their undo, deleted records' kept consents and the foreign
-- keys' SET NULL (which run as the owner) move them as before (ccrm_consent_keeps_person).
CREATE TRIGGER ccrm_consent_keeps_person BEFORE UPDATE OF contact_id, lead_id, channel, email
    ON consents FOR EACH ROW
    WHEN ((OLD.contact_id, OLD.lead_id, OLD.channel, OLD.email)
          IS DISTINCT FROM (NEW.contact_id, NEW.lead_id, NEW.channel, NEW.email))
    EXECUTE FUNCTION ccrm_consent_keeps_person();

-- A campaign response changed by an UPDATE is asked what a new one is (ccrm_responses_written,
-- so far AFTER INSERT only): a response moved to someone who is no member of its campaign, or
-- to another campaign, redated to infinity, or made "converted" while its member stayed
-- "opened" went through. Now refused alike (23503, 23514), and the member's status follows.
-- For everyone but the schema's owner, whose merges move responses with their person. (A
-- statement trigger: transition tables take no column list, so every update is asked.)
CREATE TRIGGER ccrm_responses_rewritten AFTER UPDATE ON campaign_responses
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_responses_written();
