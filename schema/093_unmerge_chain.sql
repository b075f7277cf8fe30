-- ccrm schema, migration 093: a chain of merges is undone backwards.
--
-- A merged into B (merge 1), then B into C (merge 2): undoing 2 puts B and its rows back,
-- stamping them anew (their version moves on), and undoing 1 was then refused for good ("was
-- changed after the merge") though every row held exactly what merge 1 had left. The check
-- of ccrm_unmerge() compares a row's version, and when the version moved, its values without
-- the stamps: a row whose values are as the merge left them may be undone. Function change
-- only (schema/functions/92_marketing.sql); this file moves the version.
SELECT 1;
