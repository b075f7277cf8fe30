-- ccrm schema, migration 097: a superuser files the search queue as staff does, not as a partner.
--
-- ccrm_search_blocks_flush() files the whole queue in one statement for a partner (a row a call
-- would let him count the company's writes) and tells him only whether there was more. A
-- superuser has every role, ccrm_partner among them, so the private database's own login
-- (the cluster's superuser) was taken for a partner: after an import of 50,000 rows it filed
-- them all in one statement and met the statement timeout every time ("the search blocks were
-- not filed"). A partner is now one who is not also ccrm_internal, as ccrm_default_visibility()
-- has it. Function change only (schema/functions/80_search.sql); this file moves the version.
SELECT 1;
