-- ccrm schema, migration 054: a converted lead stays converted.
--
-- Nothing kept a lead's status from leaving 'converted': a form opened before the conversion
-- and saved after it ("yours: contacted") set the lead back, and converting it again made a
-- second deal on the same account. ccrm_lead_converted_rule (schema/functions/50_collab.sql)
-- refuses the change for everyone but an administrator.
CREATE TRIGGER ccrm_lead_converted_rule BEFORE UPDATE OF status ON leads
    FOR EACH ROW WHEN (OLD.status = 'converted' AND NEW.status IS DISTINCT FROM 'converted')
    EXECUTE FUNCTION ccrm_lead_converted_rule();
