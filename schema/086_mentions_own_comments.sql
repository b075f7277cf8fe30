-- ccrm schema, migration 086: a mention is written for one's own comment only.
--
-- mentions rows are made by the comment trigger (ccrm_comment_mentions, as the comment's
-- writer) from the @logins of a comment's text. The policy of 004 let any internal user insert
-- any row, so one could add a mention of anybody, a partner included, to a colleague's internal
-- comment, bypassing the trigger's rules (a partner is mentioned only in a comment its
-- organisation may see). Nothing showed it to the partner, but the row said a thing that was
-- not written. Now an internal user inserts mentions only for a comment of their own, or as an
-- admin (who may edit any comment's text, whose mentions the trigger writes again). Reading
-- stays as it was.
DROP POLICY internal_all ON mentions;
CREATE POLICY internal_read ON mentions FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY internal_insert ON mentions FOR INSERT TO ccrm_internal
    WITH CHECK (EXISTS (SELECT 1 FROM comments c
                         WHERE c.id = mentions.comment_id
                           AND (c.author = current_user OR ccrm_in_dept('admin'))));
