-- ccrm schema, migration 031: marketing in the full-screen client, what 021 lacked.
--
--   An interest can be learned on a deal: `i` on a deal records it on the deal's account and
--   keeps the deal as where it was learned (source_entity 'opportunities'), as a ticket or a
--   call is kept. The other rules (who records interests, who sees them) are 021's.
--
-- Consents recorded in the client, segments changed and deleted in the client and a big
-- campaign's results counted on request use what 021 and schema/functions/ already hold
-- (ccrm_consent_set, the segments' policies and ccrm_delete, ccrm_campaign_results).

ALTER TABLE interests DROP CONSTRAINT interests_source_entity_check;
ALTER TABLE interests ADD CONSTRAINT interests_source_entity_check
    CHECK (source_entity IN ('tickets', 'interactions', 'messages', 'opportunities'));
