-- ccrm schema, migration 114: a report's window with one end given past the other's default.
--
-- `ccrm --report NAME --from DATE` (and the Reports view's from field) kept the report's
-- default end when only the start was given, so a start past that end (`--report pipeline
-- --from 2031-01-01`, whose default end is seven months ahead) made an empty window and an
-- empty report with exit status 0, deals closing in 2031 or not; likewise `--to` before the
-- default start. ccrm_report_window() drops such a default: the window is open on that side.
--
-- Function change only (schema/functions/92_marketing.sql); this file moves the version.
SELECT 1;
