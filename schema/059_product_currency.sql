-- ccrm schema, migration 059: a product's price in its own currency exists once.
--
-- ccrm_price_rule refused a price-list row in the product's own currency, but moving the
-- product to a currency its price list already had left two prices in it (the product's
-- 11 USD and the list's 12 USD). ccrm_product_currency_rule (schema/functions/91_billing.sql)
-- refuses that move. Products that are in that state already are left as they are.
CREATE TRIGGER ccrm_product_currency_rule BEFORE UPDATE OF currency ON products
    FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION ccrm_product_currency_rule();
