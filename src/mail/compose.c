/* Composing an outgoing mail with GMime (mail_compose): the outbox row's headers (From and
 * Reply-To of the queue, To, Cc, the subject with its ticket tag, Date, the stored Message-ID,
 * In-Reply-To and References) and its text as text/plain in UTF-8, quoted-printable when it
 * needs to be. A mail with attachments (a quote's or an invoice's PDF and e-invoice) is a
 * multipart/mixed: the text first, then each file as a part of its media type, in base64, with
 * Content-Disposition: attachment and its file name (RFC 2231 encoded by GMime, as UTF-8, when
 * it is not ASCII). GMime encodes every header (RFC 2047) and folds long ones, so no value can
 * start a header of its own. No libpq, no curses. */
#include <string.h>

#include <gmime/gmime.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "mail_int.h"

/* Is every address of l (groups' members too) a mailbox local@domain? The first that is not,
 * in err. A bare "root" went to the local mailbox of that name through sendmail -t, and
 * "Weber, Clara <c@x>" is two recipients, "Weber" and Clara. */
static int
mailboxes_ok(InternetAddressList *l, const char *what, struct ccrm_err *err)
{
    int i, n = internet_address_list_length(l);

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(l, i);

        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            InternetAddressList *m = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));

            if (m != NULL && mailboxes_ok(m, what, err) == -1)
                return -1;
        } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            const char *a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
            const char *at = a != NULL ? strrchr(a, '@') : NULL;

            if (at == NULL || at == a || at[1] == '\0' || strpbrk(a, " \t\r\n") != NULL) {
                char *shown = internet_address_to_string(ia, NULL, FALSE);

                err_set(err,
                        "%s: \"%s\" is not an e-mail address (name@example.com; a name with a "
                        "comma goes in quotes: \"Weber, Clara\" <clara@example.com>)",
                        what,
                        shown != NULL && shown[0] != '\0' ? shown
                        : a != NULL                       ? a
                                                          : "");
                g_free(shown);
                return -1;
            }
        }
    }
    return 0;
}

/* text parsed as a list of mailboxes local@domain, or NULL with err set */
static InternetAddressList *
parse_list(const char *text, const char *what, struct ccrm_err *err)
{
    InternetAddressList *l = internet_address_list_parse(mail_parser_options(), text);

    if (l == NULL || internet_address_list_length(l) == 0) {
        if (l != NULL)
            g_object_unref(l);
        err_set(err, "%s: \"%s\" is not an e-mail address (name@example.com)", what, text);
        return NULL;
    }
    if (mailboxes_ok(l, what, err) == -1) { /* (written by psql: no local delivery of "root") */
        g_object_unref(l);
        return NULL;
    }
    return l;
}

int
mail_addresses_check(const char *text, const char *what, struct ccrm_err *err)
{
    InternetAddressList *l;

    if (text == NULL || *text == '\0')
        return 0;
    if ((l = parse_list(text, what, err)) == NULL)
        return -1;
    g_object_unref(l);
    return 0;
}

static int
add_list(GMimeMessage *m, GMimeAddressType type, const char *text, const char *what,
         struct ccrm_err *err)
{
    InternetAddressList *l;

    if (text == NULL || *text == '\0')
        return 0;
    if ((l = parse_list(text, what, err)) == NULL)
        return -1;
    internet_address_list_append(g_mime_message_get_addresses(m, type), l);
    g_object_unref(l);
    return 0;
}

/* A file name parameter that is not ASCII is written in RFC 2231 as UTF-8 (GMime would pick
 * the smallest charset that holds it, ISO-8859-1 for "Preisübersicht", which every reader
 * decodes too, but UTF-8 is what the name is in and what mail programs write). */
static void
utf8_param(GMimeParamList *list, const char *name)
{
    GMimeParam *param = list != NULL ? g_mime_param_list_get_parameter(list, name) : NULL;

    if (param != NULL)
        g_mime_param_set_charset(param, "utf-8");
}

/* One attachment as a MIME part (base64), or NULL with err set. */
/* A media type as RFC 2045 has it (token/token): anything else goes as octet-stream, so what
 * the database holds cannot add a header line to the part. */
static int
media_type_ok(const char *t)
{
    static const char tok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                              "!#$&^_.+-";
    size_t a, b;

    if (t == NULL || (a = strspn(t, tok)) == 0 || t[a] != '/')
        return 0;
    b = strspn(t + a + 1, tok);
    return b > 0 && t[a + 1 + b] == '\0';
}

/* The file name as the part carries it: one line, no directories. */
static char *
safe_filename(const char *name)
{
    char *s = xstrdup(name != NULL && name[0] != '\0' ? name : "attachment"), *p;

    for (p = s; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
            *p = '_';
    return s;
}

static GMimeObject *
attachment_part(const struct mail_attachment *a, struct ccrm_err *err)
{
    const char *slash = media_type_ok(a->type) ? strchr(a->type, '/') : NULL;
    char *type, *fname;
    GMimePart *p;
    GMimeStream *st;
    GMimeDataWrapper *dw;

    if (a->content == NULL && a->size > 0) {
        err_set(err, "could not attach \"%s\": its content was not kept", a->name);
        return NULL;
    }
    if (slash != NULL && slash != a->type && slash[1] != '\0') {
        type = xstrdup(a->type);
        type[slash - a->type] = '\0';
        p = g_mime_part_new_with_type(type, type + (slash - a->type) + 1);
        free(type);
    } else {
        p = g_mime_part_new_with_type("application", "octet-stream");
    }
    st = g_mime_stream_mem_new_with_buffer(a->content != NULL ? a->content : "", a->size);
    dw = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(p, dw);
    g_object_unref(dw);
    g_object_unref(st);
    g_mime_object_set_disposition(GMIME_OBJECT(p), "attachment");
    fname = safe_filename(a->name);
    g_mime_part_set_filename(p, fname);
    free(fname);
    utf8_param(g_mime_content_disposition_get_parameters(
                   g_mime_object_get_content_disposition(GMIME_OBJECT(p))),
               "filename");
    utf8_param(g_mime_content_type_get_parameters(g_mime_object_get_content_type(GMIME_OBJECT(p))),
               "name");
    g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
    return GMIME_OBJECT(p);
}

char *
mail_compose(const struct mail_out *o, size_t *len, struct ccrm_err *err)
{
    GMimeMessage *m;
    GMimeTextPart *tp;
    GMimeStream *body;
    GMimeDataWrapper *dw;
    GMimeFormatOptions *fo;
    GDateTime *dt;
    char *s = NULL, *out = NULL;

    mail_init();
    m = g_mime_message_new(TRUE);
    g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, o->from_name, o->from_addr);
    if (add_list(m, GMIME_ADDRESS_TYPE_REPLY_TO, o->reply_to, "Reply-To", err) == -1 ||
        add_list(m, GMIME_ADDRESS_TYPE_TO, o->to, "To", err) == -1 ||
        add_list(m, GMIME_ADDRESS_TYPE_CC, o->cc, "Cc", err) == -1)
        goto out;
    if (internet_address_list_length(g_mime_message_get_to(m)) == 0) {
        err_set(err, "a mail needs a recipient");
        goto out;
    }
    g_mime_message_set_subject(m, o->subject != NULL ? o->subject : "", "utf-8");
    dt = g_date_time_new_from_unix_utc(o->date / 1000000);
    if (dt != NULL) {
        g_mime_message_set_date(m, dt);
        g_date_time_unref(dt);
    }
    g_mime_message_set_message_id(m, o->message_id);
    if (o->in_reply_to != NULL && *o->in_reply_to != '\0') {
        char *v = xasprintf("<%s>", o->in_reply_to);

        g_mime_object_set_header(GMIME_OBJECT(m), "In-Reply-To", v, NULL);
        free(v);
    }
    if (o->references != NULL && *o->references != '\0') {
        GString *refs = g_string_new(NULL);
        char *copy = xstrdup(o->references), *save = NULL, *t;

        for (t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
            g_string_append_printf(refs, "%s<%s>", refs->len > 0 ? " " : "", t);
        free(copy);
        g_mime_object_set_header(GMIME_OBJECT(m), "References", refs->str, NULL);
        g_string_free(refs, TRUE);
    }
    g_mime_object_set_header(GMIME_OBJECT(m), "User-Agent", "ccrm/" CCRM_VERSION, NULL);

    /* the text as UTF-8 (g_mime_text_part_set_text would pick ISO-8859-1 where it can), then
     * the transfer encoding that makes it 7-bit clean: quoted-printable or base64 */
    tp = g_mime_text_part_new_with_subtype("plain");
    body = g_mime_stream_mem_new_with_buffer(o->body != NULL ? o->body : "",
                                             o->body != NULL ? strlen(o->body) : 0);
    dw = g_mime_data_wrapper_new_with_stream(body, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(GMIME_PART(tp), dw);
    g_object_unref(dw);
    g_object_unref(body);
    g_mime_text_part_set_charset(tp, "utf-8");
    g_mime_object_encode(GMIME_OBJECT(tp), GMIME_ENCODING_CONSTRAINT_7BIT);
    if (o->natt > 0) {
        GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");
        int i;

        g_mime_multipart_add(mp, GMIME_OBJECT(tp));
        g_object_unref(tp);
        for (i = 0; i < o->natt; i++) {
            GMimeObject *part = attachment_part(&o->att[i], err);

            if (part == NULL) {
                g_object_unref(mp);
                goto out;
            }
            g_mime_multipart_add(mp, part);
            g_object_unref(part);
        }
        g_mime_message_set_mime_part(m, GMIME_OBJECT(mp));
        g_object_unref(mp);
    } else {
        g_mime_message_set_mime_part(m, GMIME_OBJECT(tp));
        g_object_unref(tp);
    }

    fo = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
    s = g_mime_object_to_string(GMIME_OBJECT(m), fo);
    g_mime_format_options_free(fo);
    out = xstrdup(s);
    *len = strlen(out);
    g_free(s);
out:
    g_object_unref(m);
    return out;
}
