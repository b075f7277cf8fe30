-- ccrm schema, migration 108: what an import's revert says is written as the import says it.
--
-- ccrm_import_revert() said "reverted import batch 7 (contacts from c.csv): 12345 deleted, 0
-- restored" while the import's summary, --batches and the batch's Feed event write their
-- counts with thousands separators (12,345); it now writes them so too, as does
-- ccrm_mail_import_revert() for a mail batch ("1,200 mails, ... deleted").
--
-- Function changes only (schema/functions/40_import.sql, 90_mail.sql); this file moves the
-- version.
SELECT 1;
