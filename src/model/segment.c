/* A segment's definition from the words typed on the `:` line (include/ccrm/segment.h). The
 * JSON is written here with every value escaped; what the words mean is the database's
 * (ccrm_segment_sql), which checks the definition again before it is saved. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccrm/segment.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"

#define MAX_RULES 16
#define WORD_MAX 200

void
json_quote(struct strbuf *b, const char *s)
{
    strbuf_puts(b, "\"");
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            strbuf_printf(b, "\\%c", c);
        else if (c < 0x20)
            strbuf_printf(b, "\\u%04x", c);
        else
            strbuf_add(b, s, 1);
    }
    strbuf_puts(b, "\"");
}

/* The next comma-separated item of *p, trimmed, into buf; 0 at the end. */
static int
next_item(const char **p, char *buf, size_t n)
{
    const char *s = *p, *e;
    size_t len;

    if (*s == '\0')
        return 0;
    e = strchr(s, ',');
    len = e != NULL ? (size_t)(e - s) : strlen(s);
    *p = e != NULL ? e + 1 : s + len;
    while (len > 0 && isspace((unsigned char)*s))
        s++, len--;
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 1;
}

static int
whole_number(const char *s)
{
    if (*s == '\0' || strlen(s) > 9)
        return 0;
    for (; *s != '\0'; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

int
segment_def_parse(const char *text, char *json, size_t n, char *msg, size_t mn)
{
    struct strbuf b = STRBUF_INIT;
    const char *p = text != NULL ? text : "";
    const char *entity = "people", *match = "all";
    char item[WORD_MAX + 64], *rules[MAX_RULES];
    int nrules = 0, i, rc = -1, with_days = 0;
    long days = 0;

    msg[0] = '\0';
    memset(rules, 0, sizeof rules);
    while (next_item(&p, item, sizeof item)) {
        struct strbuf r = STRBUF_INIT;
        char *key = item, *val, *eq;
        int neg = 0;

        if (item[0] == '\0')
            continue;
        if (strncasecmp(key, "not ", 4) == 0) {
            neg = 1;
            for (key += 4; *key == ' '; key++)
                ;
        }
        eq = strchr(key, '=');
        if (eq == NULL) {
            if (!neg && (strcasecmp(key, "people") == 0 || strcasecmp(key, "contacts") == 0 ||
                         strcasecmp(key, "leads") == 0)) {
                entity = strcasecmp(key, "people") == 0     ? "people"
                         : strcasecmp(key, "contacts") == 0 ? "contacts"
                                                            : "leads";
                continue;
            }
            if (!neg && strcasecmp(key, "any") == 0) {
                match = "any";
                continue;
            }
            snprintf(msg, mn,
                     "unknown word \"%.40s\": try interest=, topic=, ticket=, deal=open, "
                     "country=, industry=, days=, contacts, leads, any",
                     key);
            goto out;
        }
        *eq = '\0';
        val = eq + 1;
        while (*val == ' ')
            val++;
        str_trim(key);
        if (*val == '\0') {
            snprintf(msg, mn, "%s= needs a value", key);
            goto out;
        }
        if (strcasecmp(key, "days") == 0) {
            if (neg || !whole_number(val) || (days = strtol(val, NULL, 10)) < 1) {
                snprintf(msg, mn, "days= takes a number of days (1 or more), not \"%.40s\"", val);
                goto out;
            }
            with_days = 1;
            continue;
        }
        if (nrules == MAX_RULES) {
            snprintf(msg, mn, "at most %d rules", MAX_RULES);
            goto out;
        }
        if (strcasecmp(key, "interest") == 0 || strcasecmp(key, "product") == 0) {
            strbuf_puts(&r, "{\"interest\": {\"product\": ");
            json_quote(&r, val);
            strbuf_puts(&r, "\x01}}");
        } else if (strcasecmp(key, "topic") == 0) {
            strbuf_puts(&r, "{\"interest\": {\"topic\": ");
            json_quote(&r, val);
            strbuf_puts(&r, "\x01}}");
        } else if (strcasecmp(key, "interested") == 0) {
            strbuf_puts(&r, "{\"interest\": {\"text\": ");
            json_quote(&r, val);
            strbuf_puts(&r, "\x01}}");
        } else if (strcasecmp(key, "ticket") == 0) {
            strbuf_puts(&r, "{\"ticket\": {\"product\": ");
            json_quote(&r, val);
            strbuf_puts(&r, "\x01}}");
        } else if (strcasecmp(key, "deal") == 0) {
            if (strcasecmp(val, "open") != 0 && strcasecmp(val, "won") != 0) {
                snprintf(msg, mn, "deal= takes open or won, not \"%.40s\"", val);
                goto out;
            }
            strbuf_printf(&r, "{\"deal\": {\"%s\": true\x01}}",
                          strcasecmp(val, "open") == 0 ? "open" : "won");
        } else if (strcasecmp(key, "country") == 0 || strcasecmp(key, "industry") == 0) {
            strbuf_printf(&r, "{\"account\": {\"field\": \"%s\", \"op\": \"eq\", \"value\": ",
                          strcasecmp(key, "country") == 0 ? "country" : "industry");
            json_quote(&r, val);
            strbuf_puts(&r, "}}");
        } else if (strcasecmp(key, "campaign") == 0) {
            if (!whole_number(val)) {
                snprintf(msg, mn, "campaign= takes a campaign's number, not \"%.40s\"", val);
                goto out;
            }
            strbuf_printf(&r, "{\"campaign\": {\"id\": %s}}", val);
        } else {
            snprintf(msg, mn,
                     "unknown rule \"%.40s=\": try interest=, topic=, interested=, ticket=, "
                     "deal=, country=, industry=, campaign=, days=",
                     key);
            strbuf_fini(&r);
            goto out;
        }
        if (neg) {
            char *inner = strbuf_steal(&r);

            strbuf_printf(&r, "{\"not\": %s}", inner);
            free(inner);
        }
        rules[nrules++] = strbuf_steal(&r);
    }
    if (nrules == 0) {
        snprintf(msg, mn, "a segment needs a rule: interest=PRODUCT, ticket=PRODUCT, ...");
        goto out;
    }
    strbuf_printf(&b, "{\"entity\": \"%s\", \"match\": \"%s\", \"rules\": [", entity, match);
    for (i = 0; i < nrules; i++) {
        const char *s = rules[i], *at;
        char days_text[48] = "";

        if (with_days)
            snprintf(days_text, sizeof days_text, ", \"within_days\": %ld", days);
        if (i > 0)
            strbuf_puts(&b, ", ");
        /* where days go: a byte no value holds (json_quote escapes control characters) */
        at = strchr(s, '\x01');
        if (at != NULL) {
            strbuf_add(&b, s, (size_t)(at - s));
            strbuf_puts(&b, days_text);
            strbuf_puts(&b, at + 1);
        } else {
            strbuf_puts(&b, s);
        }
    }
    strbuf_puts(&b, "]}");
    if (b.len >= n) {
        snprintf(msg, mn, "the definition is too long");
        goto out;
    }
    memcpy(json, b.s, b.len + 1);
    rc = 0;
out:
    for (i = 0; i < nrules; i++)
        free(rules[i]);
    strbuf_fini(&b);
    return rc;
}
