-- ccrm schema, migration 045: a record's owner is someone who may own it, for every writer.
--
-- ccrm_assign (`a`, `:assign`, hand-offs) refused a partner, a disabled user or a login that
-- does not exist, but a form's Owner field, an import or psql could set any text: a ticket
-- assigned to a partner then sent him its SLA warnings and breaches. ccrm_owner_check
-- (schema/functions/90_service.sql) now refuses it on every table with an owner: an active
-- internal user, or the writer themselves (ccrm_may_own). Existing rows are left as they are
-- (a disabled user's records keep their owner until someone hands them on); the check runs
-- when the column is set or changed, and not for a routed insert, whose owner is empty until
-- the routing sets it.
--
-- The same migration makes clients ask for --migrate, which brings these function changes
-- too: ccrm_route_choose tries the rule's deputy when the deputy an absence names is away as
-- well (before, the next rule decided, though the rule's deputy was there).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('accounts', 'owner'), ('contacts', 'owner'),
                                   ('leads', 'owner'), ('opportunities', 'owner'),
                                   ('tickets', 'assignee'), ('campaigns', 'owner'),
                                   ('quotes', 'owner'), ('invoices', 'owner')) v (tab, col)
    LOOP
        EXECUTE format('CREATE TRIGGER ccrm_owner_check BEFORE INSERT ON %I FOR EACH ROW'
                       ' WHEN (NEW.%I IS NOT NULL) EXECUTE FUNCTION ccrm_owner_check(%L)',
                       t.tab, t.col, t.col);
        EXECUTE format('CREATE TRIGGER ccrm_owner_change BEFORE UPDATE OF %I ON %I FOR EACH ROW'
                       ' WHEN (NEW.%I IS NOT NULL AND NEW.%I IS DISTINCT FROM OLD.%I)'
                       ' EXECUTE FUNCTION ccrm_owner_check(%L)',
                       t.col, t.tab, t.col, t.col, t.col, t.col);
    END LOOP;
END
$$;
