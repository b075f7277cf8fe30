-- ccrm schema, migration 111: service levels that follow what moved them (found by trying to
-- break the service levels).
--
-- 1. An account's new tier moves its open tickets to the policy that tier chooses. A ticket
--    moved to another account, or given another priority or queue, took the policy that
--    applies now (ccrm_sla_ticket), but an account raised to enterprise by sales kept its
--    waiting tickets under the standard targets, and only tickets opened after got the
--    enterprise ones (a next response on an old ticket then ran under enterprise beside a
--    resolution clock under standard). A row trigger on accounts, when the tier changed
--    (ccrm_sla_account_tier, schema/functions/90_service.sql), moves them as a ticket's own
--    change does, and tells the Tickets list (an event of each ticket's clocks).
-- 2. A calendar's change moved its clocks' due times but did not ask again which clock of each
--    ticket is due first (ccrm_calendar_sync): a resolution clock running since before new
--    holidays stayed the one that decides the time left, past a next response now due first.
-- 3. Two questions on one ticket at once (a call logged while the customer's mail comes in)
--    each saw no open response clock and started one: the second failed on the key that
--    allows one open clock a kind (23505), and its call or mail was refused. The second now
--    waits for the first's clock and starts none (ccrm_sla_next_response).
CREATE TRIGGER ccrm_sla_account_tier AFTER UPDATE OF tier ON accounts
    FOR EACH ROW WHEN (OLD.tier IS DISTINCT FROM NEW.tier)
    EXECUTE FUNCTION ccrm_sla_account_tier();
