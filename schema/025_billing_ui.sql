-- ccrm schema, migration 025: the back office in the full-screen client. Products are an entity
-- of the registry, imported through the same CSV path as accounts or tickets (ccrm --import
-- FILE --into products): an import batch may be one of products (ccrm_import_begin in
-- schema/functions/40_import.sql takes them; --revert takes the batch back, a product named on
-- a quote or invoice staying, by its foreign key).
ALTER TABLE import_batches DROP CONSTRAINT import_batches_entity_check;
ALTER TABLE import_batches ADD CONSTRAINT import_batches_entity_check
    CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                      'interactions', 'messages', 'products'));
