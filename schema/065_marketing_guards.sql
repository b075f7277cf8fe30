-- ccrm schema, migration 065: marketing's limits in words.
--
-- An interest with a 250-character product (`i`) or an opt-out whose "where it was said" is
-- over 200 characters (`O`) was refused with the server's `violates check constraint
-- "interests_product_check"`. ccrm_interest_add and ccrm_consent_set now say the limit
-- themselves (schema/functions/92_marketing.sql); these comments say it for every other
-- writer whose client shows a constraint's comment instead of its name (migration 046, the
-- forms: src/db/record.c).
COMMENT ON CONSTRAINT interests_product_check ON interests IS
    'a product is at most 200 characters';
COMMENT ON CONSTRAINT interests_topic_check ON interests IS
    'a topic is at most 200 characters';
COMMENT ON CONSTRAINT interests_note_check ON interests IS
    'a note is at most 2000 characters';
COMMENT ON CONSTRAINT interests_what_check ON interests IS
    'name a product or a topic';
COMMENT ON CONSTRAINT consents_source_check ON consents IS
    'where it was said is at most 200 characters';
COMMENT ON CONSTRAINT consents_note_check ON consents IS
    'a note is at most 2000 characters';
COMMENT ON CONSTRAINT campaign_responses_note_check ON campaign_responses IS
    'a note is at most 2000 characters';
