-- ccrm schema, migration 056: a person's display name is one line of visible text.
--
-- `ccrm --add-user --display-name` (and an admin's UPDATE) took ESC, line breaks and
-- bidirectional overrides; the client shows such characters as '?', so the status bar read
-- "x?y (sales)" or split a name over two lines, while --log and forms refuse them in every
-- one-line field. The rule: no C0 or C1 control character, no line or paragraph separator,
-- no zero-width or bidirectional format character, no byte order mark. NOT VALID: names
-- stored before are left as they are (an admin corrects them), every new or changed one is
-- checked. The rule is ccrm_visible_line() (schema/functions/10_identity.sql), which
-- ccrm_add_user() asks first for a clear message.
ALTER TABLE users ADD CONSTRAINT users_display_name_line
    CHECK (ccrm_visible_line(display_name)) NOT VALID;
COMMENT ON CONSTRAINT users_display_name_line ON users IS
    'a display name is one line of visible text: no line breaks, tabs, control or invisible format characters';
