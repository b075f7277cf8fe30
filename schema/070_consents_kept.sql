-- ccrm schema, migration 070: an opt-out outlives the record it was said on.
--
-- consents.contact_id and lead_id were ON DELETE CASCADE, and ccrm_delete runs as the owner:
-- deleting a contact or a lead deleted its person's opt-outs with it, silently, and marketing
-- could then add the same person (a lead with the same address) to a campaign again. An
-- opt-out is a promise to the person, kept exactly when we no longer hold a record of them.
-- Now the row stays: a trigger on the deletion (ccrm_consents_kept,
-- schema/functions/92_marketing.sql) writes the person's e-mail address into the new column
-- `email` and clears the link, stamped and audited as the deleter's change; ccrm_opted_out and
-- ccrm_opted_out_people match such a kept opt-out by that address (every contact and lead of
-- the address is the person), and a consent given again on a record of the address clears it
-- (ccrm_consent_set). The foreign keys set NULL instead of cascading, so no writer that skips
-- the trigger deletes an opt-out either. A kept row with no address (a person without e-mail)
-- stays as the record of what was said, matching nobody.
--
-- Interests and campaign responses still go with their person (ON DELETE CASCADE, as campaign
-- memberships always did): they are facts about someone we no longer hold a record of, the
-- campaign's figures are counted from its members, and the audit trail keeps the rows.
ALTER TABLE consents ADD COLUMN email text;
COMMENT ON COLUMN consents.email IS
    'the e-mail address of the person once the record it was on is deleted (kept opt-outs)';

ALTER TABLE consents DROP CONSTRAINT consents_person_check;
ALTER TABLE consents ADD CONSTRAINT consents_person_check
    CHECK (num_nonnulls(contact_id, lead_id) <= 1);
COMMENT ON CONSTRAINT consents_person_check ON consents IS
    'a consent is about a contact or a lead, not both';

ALTER TABLE consents DROP CONSTRAINT consents_contact_id_fkey;
ALTER TABLE consents ADD CONSTRAINT consents_contact_id_fkey
    FOREIGN KEY (contact_id) REFERENCES contacts ON DELETE SET NULL;
ALTER TABLE consents DROP CONSTRAINT consents_lead_id_fkey;
ALTER TABLE consents ADD CONSTRAINT consents_lead_id_fkey
    FOREIGN KEY (lead_id) REFERENCES leads ON DELETE SET NULL;

-- the kept opt-outs of an address (ccrm_opted_out: one probe per person)
CREATE INDEX consents_kept_idx ON consents (lower(email))
    WHERE contact_id IS NULL AND lead_id IS NULL;

CREATE TRIGGER ccrm_consents_kept BEFORE DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION ccrm_consents_kept();
CREATE TRIGGER ccrm_consents_kept BEFORE DELETE ON leads
    FOR EACH ROW EXECUTE FUNCTION ccrm_consents_kept();

-- the new column as every other one a writer sets (docs/security.md: INSERT, UPDATE(data))
GRANT INSERT (email), UPDATE (email) ON consents TO ccrm_internal;
