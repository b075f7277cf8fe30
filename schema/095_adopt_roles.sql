-- ccrm schema, migration 095: ccrm_add_user() adopts a role of another department nowhere else.
--
-- ccrm's group roles are the cluster's, so an existing role that is a member of one of them
-- is a person of another ccrm database of the cluster, and ccrm_add_user() adopts it. It did
-- so whatever that department was: another database's admin added here to sales stayed an
-- admin here as well, in two departments. Such a role is now adopted only into the department
-- it has (else refused, 77, naming it), and a role that may create databases counts as
-- privileged, as docs/ccrm.1 says. Function change only (schema/functions/10_identity.sql);
-- this file moves the version.
SELECT 1;
