/* Private to the registry (src/model/entity.c): SQL fragments too long to write inline. Fixed
 * text only: values are always parameters. */
#ifndef CCRM_MODEL_ENTITY_SQL_H
#define CCRM_MODEL_ENTITY_SQL_H

/* A lead's person: its contact, or failing that the contact with the same e-mail (a lead is
 * the same person as a contact when it names the contact or shares its address). The latest
 * thing any department did with that person: an interaction on the lead or the contact, or a
 * ticket from the contact. One indexed lookup per branch, per row. */
#define LEAD_FROM                                                                                  \
    "leads a"                                                                                      \
    " LEFT JOIN LATERAL (SELECT coalesce(a.contact_id, (SELECT c.id FROM contacts c"               \
    "     WHERE lower(c.email) = lower(a.email) LIMIT 1)) AS id) pc ON true"                       \
    " LEFT JOIN LATERAL (SELECT x.at, x.who, x.what FROM ("                                        \
    "   (SELECT i.at, i.created_by AS who, i.kind || ': ' || coalesce(i.subject, '') AS what"      \
    "      FROM interactions i WHERE i.lead_id = a.id ORDER BY i.at DESC LIMIT 1)"                 \
    "   UNION ALL"                                                                                 \
    "   (SELECT i.at, i.created_by, i.kind || ': ' || coalesce(i.subject, '')"                     \
    "      FROM interactions i WHERE i.contact_id = pc.id ORDER BY i.at DESC LIMIT 1)"             \
    "   UNION ALL"                                                                                 \
    "   (SELECT t.created_at, t.created_by, 'ticket #' || t.id || ': ' || t.subject"               \
    "      FROM tickets t WHERE t.contact_id = pc.id ORDER BY t.created_at DESC LIMIT 1)"          \
    "  ) x ORDER BY x.at DESC LIMIT 1) act ON true"                                                \
    " LEFT JOIN users au ON au.login = act.who"

/* An inbox row names its record: looked up by id in the record's table (through RLS, so a
 * record one may no longer see shows by number only). */
#define INBOX_RECORD                                                                               \
    "coalesce(CASE a.entity"                                                                       \
    " WHEN 'accounts' THEN (SELECT r.name FROM accounts r WHERE r.id = a.entity_id)"               \
    " WHEN 'contacts' THEN (SELECT concat_ws(' ', r.first_name, r.last_name) FROM contacts r"      \
    "   WHERE r.id = a.entity_id)"                                                                 \
    " WHEN 'leads' THEN (SELECT concat_ws(' ', r.first_name, r.last_name) FROM leads r"            \
    "   WHERE r.id = a.entity_id)"                                                                 \
    " WHEN 'opportunities' THEN (SELECT r.name FROM opportunities r WHERE r.id = a.entity_id)"     \
    " WHEN 'tickets' THEN (SELECT r.subject FROM tickets r WHERE r.id = a.entity_id)"              \
    " WHEN 'campaigns' THEN (SELECT r.name FROM campaigns r WHERE r.id = a.entity_id)"             \
    " END || ' ', '') || '(' || CASE a.entity WHEN 'opportunities' THEN 'deal'"                    \
    " ELSE rtrim(a.entity, 's') END || ' #' || a.entity_id || ')'"

#endif
