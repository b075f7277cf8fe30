/* Parsing one mail with GMime 3 into struct mail_msg (include/ccrm/mail.h): headers decoded
 * (RFC 2047 words, every charset to UTF-8), the text (text/plain preferred, HTML turned into
 * text; a mail without any says what it holds instead: a forwarded mail, an invitation, an
 * encrypted part), attachments with their decoded sizes, and what the headers say about who
 * wrote it. Malformed input is repaired, never refused, unless it is not a mail at all. No
 * libpq, no curses. GLib's allocator is the C library's (GLib >= 2.46), so g_ strings are freed
 * with free() where they leave this file. */
#include <ctype.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gmime/gmime.h>
#include <libical/ical.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "mail_int.h"

#define MAX_REFERENCES 50
#define MAX_HEADER_TEXT 4000 /* a header value kept (To with 3,000 addresses is cut) */
/* GMime keeps each header field as an object of its own, about 500 bytes: a mail of millions of
 * short header lines (63 MB of "X-H: 1") took 2.4 GB to read. A real mail has tens. */
#define MAX_HEADER_FIELDS 10000

static GMimeParserOptions *parser_opts;

int
mail_ready(struct ccrm_err *err)
{
    (void)err; /* linked in: always */
    return 0;
}

void
mail_init(void)
{
    static const char *fallback[] = {"UTF-8", "windows-1252", NULL};

    if (parser_opts != NULL)
        return;
    g_mime_init();
    parser_opts = g_mime_parser_options_new();
    g_mime_parser_options_set_rfc2047_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(parser_opts, TRUE);
    g_mime_parser_options_set_fallback_charsets(parser_opts, fallback);
}

void
mail_shutdown(void)
{
    if (parser_opts == NULL)
        return;
    g_mime_parser_options_free(parser_opts);
    parser_opts = NULL;
    g_mime_shutdown();
}

GMimeParserOptions *
mail_parser_options(void)
{
    mail_init();
    return parser_opts;
}

/* ---- text helpers ---- */

/* A C1 control character (U+0080 to U+009F, two bytes in UTF-8) at p: 0x9b is CSI and 0x9d OSC
 * to a terminal that takes 8-bit controls, and a line of a mail's header must be one line to
 * be written back into a mail (an answer's To, its subject). */
static int
is_c1(const char *p)
{
    return (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] >= 0x80 &&
           (unsigned char)p[1] <= 0x9f;
}

char *
mail_clean(const char *s, size_t n, int one_line)
{
    char *valid, *out;
    size_t i, o = 0;

    if (s == NULL)
        return NULL;
    /* drop NUL bytes first (g_utf8_make_valid would keep them), then repair UTF-8 */
    out = xmalloc(n + 1);
    for (i = 0; i < n; i++)
        if (s[i] != '\0')
            out[o++] = s[i];
    out[o] = '\0';
    valid = g_utf8_make_valid(out, (gssize)o);
    free(out);
    if (one_line) {
        /* headers are one line: any control character becomes a space, runs fold */
        char *p, *q;
        int space = 0;

        for (p = q = valid; *p != '\0'; p++) {
            unsigned char c = (unsigned char)*p;
            int c1 = is_c1(p); /* before q, which may be p, is written */

            if (c < 0x20 || c == 0x7f || c1) {
                if (!space && q != valid)
                    *q++ = ' ';
                space = 1;
                p += c1; /* its second byte */
                continue;
            }
            space = c == ' ';
            *q++ = *p;
        }
        while (q > valid && q[-1] == ' ')
            q--;
        *q = '\0';
        if (strlen(valid) > MAX_HEADER_TEXT) {
            gchar *end = g_utf8_find_prev_char(valid, valid + MAX_HEADER_TEXT);

            if (end != NULL)
                *end = '\0';
        }
    } else {
        /* text: CRLF and lone CR become LF; other control characters (ESC sequences that
         * would retitle or clear a terminal reading an export, BEL, backspace) go */
        char *p, *q;

        for (p = q = valid; *p != '\0'; p++) {
            unsigned char c = (unsigned char)*p;

            if (*p == '\r') {
                *q++ = '\n';
                if (p[1] == '\n')
                    p++;
                continue;
            }
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                continue;
            if (is_c1(p)) {
                p++;
                continue;
            }
            *q++ = *p;
        }
        *q = '\0';
    }
    return valid;
}

static int
is_utf8(const char *s, size_t n)
{
    return g_utf8_validate(s, (gssize)n, NULL);
}

static int
all_ascii(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

char *
mail_to_utf8(const char *bytes, size_t n, const char *charset)
{
    const char *cs = NULL;
    gchar *conv = NULL;
    char *out;
    gsize written = 0;

    if (charset != NULL && *charset != '\0')
        cs = g_mime_charset_canon_name(charset);
    /* ASCII bytes are the text itself, except in the 7-bit charsets that encode other
     * scripts in ASCII (ISO-2022-JP mail, UTF-7, HZ) */
    if (all_ascii(bytes, n) &&
        (cs == NULL || (strncasecmp(cs, "iso-2022", 8) != 0 && strcasecmp(cs, "utf-7") != 0 &&
                        strncasecmp(cs, "hz", 2) != 0)))
        return mail_clean(bytes, n, 0);
    /* undeclared, ASCII or Latin-1 declared: real mail is UTF-8 mislabelled, or Windows-1252
     * (whose printable 0x80-0x9F are what 8859-1 mail means by those bytes) */
    if (cs == NULL || strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "iso-8859-1") == 0 ||
        strcasecmp(cs, "utf-8") == 0) {
        if (is_utf8(bytes, n))
            return mail_clean(bytes, n, 0);
        cs = "windows-1252";
    }
    conv =
        g_convert(bytes, (gssize)n, "UTF-8", g_mime_charset_iconv_name(cs), NULL, &written, NULL);
    if (conv == NULL)
        conv = g_convert_with_fallback(bytes, (gssize)n, "UTF-8", g_mime_charset_iconv_name(cs),
                                       "\xef\xbf\xbd", NULL, &written, NULL);
    if (conv == NULL) { /* an unknown charset: the same guess as for none */
        if (is_utf8(bytes, n))
            return mail_clean(bytes, n, 0);
        conv = g_convert_with_fallback(bytes, (gssize)n, "UTF-8", "WINDOWS-1252", "\xef\xbf\xbd",
                                       NULL, &written, NULL);
        if (conv == NULL)
            return mail_clean(bytes, n, 0);
    }
    out = mail_clean(conv, written, 0);
    g_free(conv);
    return out;
}

/* A Message-ID without <> and without spaces; NULL when there is none in s. */
static char *
clean_msgid(const char *s)
{
    char *out, *p;
    const char *q;

    if (s == NULL)
        return NULL;
    while (*s == ' ' || *s == '\t' || *s == '<')
        s++;
    out = xmalloc(strlen(s) + 1);
    for (p = out, q = s; *q != '\0' && *q != '>'; q++)
        if ((unsigned char)*q > 0x20 && (unsigned char)*q < 0x7f && *q != '<')
            *p++ = *q;
    *p = '\0';
    if (p == out || strlen(out) > 900) {
        free(out);
        return NULL;
    }
    return out;
}

/* The bytes of one encoded word's text: base64 (padding or none, each word on its own) or Q. */
static void
word_bytes(GByteArray *out, const char *p, size_t n, int b64)
{
    static const char digits[] = "0123456789ABCDEF";
    unsigned bits = 0;
    int nbits = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i], byte;

        if (b64) {
            int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                    : c >= 'a' && c <= 'z' ? c - 'a' + 26
                    : c >= '0' && c <= '9' ? c - '0' + 52
                    : c == '+'             ? 62
                    : c == '/'             ? 63
                                           : -1;

            if (v < 0)
                continue; /* padding, spaces */
            bits = (bits << 6) | (unsigned)v;
            nbits += 6;
            if (nbits >= 8) {
                nbits -= 8;
                byte = (unsigned char)(bits >> nbits);
                g_byte_array_append(out, &byte, 1);
                bits &= (1u << nbits) - 1;
            }
        } else if (c == '=' && i + 2 < n && strchr(digits, g_ascii_toupper(p[i + 1])) != NULL &&
                   strchr(digits, g_ascii_toupper(p[i + 2])) != NULL) {
            byte = (unsigned char)(g_ascii_xdigit_value(p[i + 1]) * 16 +
                                   g_ascii_xdigit_value(p[i + 2]));
            g_byte_array_append(out, &byte, 1);
            i += 2;
        } else {
            byte = c == '_' ? ' ' : c;
            g_byte_array_append(out, &byte, 1);
        }
    }
}

/* Decoded words: as text, or (reencode) as one UTF-8 word that GMime reads right. */
static void
append_words(GString *out, const char *text, int reencode)
{
    char *line, *b64;

    if (text == NULL) /* (bytes no charset could read) */
        return;
    if (!reencode) {
        g_string_append(out, text);
        return;
    }
    line = mail_clean(text, strlen(text), 1);
    b64 = g_base64_encode((const guchar *)line, strlen(line));
    g_string_append_printf(out, "=?UTF-8?B?%s?=", b64);
    g_free(b64);
    free(line);
}

/* Text between words, raw 8-bit bytes read as UTF-8 or else Windows-1252 (as GMime reads
 * them), as UTF-8. */
static void
append_text(GString *out, const char *s, size_t n)
{
    char *t = mail_to_utf8(s, n, NULL);

    g_string_append(out, t);
    free(t);
}

/* An unstructured header's raw value (Subject) as text. RFC 2047 words are decoded here rather
 * than by GMime, which reads a run of words of one charset as one base64 text (a word ending
 * in "==" before the next, as writers that cut a UTF-8 character in two make, gives "?"),
 * drops the last bytes of a word without its padding ("w5xiZXI": "Üb" for "Über") and makes
 * "??" of bytes that are not in the declared charset. Here each word is decoded on its own,
 * the bytes of adjacent words in one charset are joined before they are read (so a character
 * cut in two is whole again), and they are read as a body's text is (mail_to_utf8: UTF-8
 * mislabelled, unknown charsets). Raw 8-bit text is UTF-8 if valid, else Windows-1252.
 * reencode: the value with each run of words as one UTF-8 word instead, for an address
 * header (From, To) GMime then parses with the names read right. */
#define DECODE_WORDS_MAX                                                                           \
    8192 /* a Subject is cut at 4,000 bytes; the search for words is not                           \
          * linear in the worst case */
static char *
decode_words(const char *folded, int reencode)
{
    GString *out = g_string_new(NULL);
    GByteArray *pend = g_byte_array_new();
    char *pend_cs = NULL, *t, *raw, *r;
    const char *p, *lit, *f;
    size_t len = strnlen(folded, DECODE_WORDS_MAX);

    /* unfolded: the line ends go, the space that follows them stays */
    raw = xmalloc(len + 1);
    for (f = folded, r = raw; f < folded + len; f++)
        if (*f != '\r' && *f != '\n')
            *r++ = *f;
    *r = '\0';
    p = lit = raw;

#define FLUSH_WORDS()                                                                              \
    do {                                                                                           \
        if (pend_cs != NULL) {                                                                     \
            t = mail_to_utf8((const char *)pend->data, pend->len, pend_cs);                        \
            append_words(out, t, reencode);                                                        \
            free(t);                                                                               \
            g_free(pend_cs);                                                                       \
            pend_cs = NULL;                                                                        \
            g_byte_array_set_size(pend, 0);                                                        \
        }                                                                                          \
    } while (0)
    while (p != NULL && *p != '\0') {
        const char *q1, *q2, *end, *q = strstr(p, "=?");
        int b64;

        if (q == NULL)
            break;
        /* =?charset?B|Q?text?= with no space inside */
        q1 = strchr(q + 2, '?');
        if (q1 == NULL || q1 == q + 2 || q + 2 + strcspn(q + 2, " \t") < q1 || q1[1] == '\0' ||
            strchr("BbQq", q1[1]) == NULL || q1[2] != '?') {
            p = q + 2;
            continue;
        }
        q2 = q1 + 3;
        end = strstr(q2, "?=");
        if (end == NULL || q2 + strcspn(q2, " \t") < end) {
            p = q + 2;
            continue;
        }
        b64 = q1[1] == 'B' || q1[1] == 'b';
        {
            char *cs = g_strndup(q + 2, (gsize)(q1 - q - 2));
            const char *between = lit;

            cs[strcspn(cs, "*")] = '\0'; /* RFC 2231 language: "utf-8*de" */
            while (between < q &&
                   (*between == ' ' || *between == '\t' || *between == '\r' || *between == '\n'))
                between++;
            /* text before the word: kept, unless it is the space between two words */
            if (between < q || pend_cs == NULL) {
                FLUSH_WORDS();
                append_text(out, lit, (size_t)(q - lit));
            } else if (g_ascii_strcasecmp(cs, pend_cs) != 0) {
                FLUSH_WORDS();
            }
            if (pend_cs == NULL)
                pend_cs = cs;
            else
                g_free(cs);
        }
        word_bytes(pend, q2, (size_t)(end - q2), b64);
        p = lit = end + 2;
    }
    FLUSH_WORDS();
#undef FLUSH_WORDS
    append_text(out, lit, strlen(lit));
    g_byte_array_unref(pend);
    free(raw);
    return g_string_free(out, FALSE);
}

/* ---- addresses ---- */

#define MAIL_RECIPIENTS_MAX 1000

static void
strv_add_addr(GPtrArray *v, const char *addr)
{
    char *a, *p;
    guint i;

    if (addr == NULL || strchr(addr, '@') == NULL)
        return;
    a = mail_clean(addr, strlen(addr), 1);
    for (p = a; *p != '\0'; p++) {
        if (*p == ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',') {
            free(a); /* a quoted local part with spaces: not an address we can match */
            return;
        }
        *p = (char)tolower((unsigned char)*p);
    }
    /* a thousand distinct recipients are plenty to find a queue's address among; more would
     * make this linear check quadratic (a 1 MB To header of short addresses) */
    if (v->len >= MAIL_RECIPIENTS_MAX) {
        free(a);
        return;
    }
    for (i = 0; i < v->len; i++)
        if (strcmp(g_ptr_array_index(v, i), a) == 0) {
            free(a);
            return;
        }
    g_ptr_array_add(v, a);
}

static void
list_addrs(GPtrArray *v, InternetAddressList *list)
{
    int i, n = list != NULL ? internet_address_list_length(list) : 0;

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);

        if (INTERNET_ADDRESS_IS_MAILBOX(ia))
            strv_add_addr(v, internet_address_mailbox_get_addr((InternetAddressMailbox *)ia));
        else if (INTERNET_ADDRESS_IS_GROUP(ia))
            list_addrs(v, internet_address_group_get_members((InternetAddressGroup *)ia));
    }
}

/* Every <local@domain> of a header's raw text: what a name GMime cannot read around it
 * ("ACME [External] <a@acme.example>", an encoded word with a '[' in it) leaves of it. */
static void
angle_addrs(GPtrArray *v, const char *raw)
{
    const char *lt, *gt;

    for (lt = raw != NULL ? strchr(raw, '<') : NULL; lt != NULL; lt = strchr(gt, '<')) {
        char *a;

        if ((gt = strchr(lt + 1, '>')) == NULL)
            return;
        a = xasprintf("%.*s", (int)(gt - lt - 1), lt + 1);
        strv_add_addr(v, a);
        free(a);
    }
}

/* Every value of a header that may repeat (Delivered-To), as addresses. */
static void
header_addrs(GPtrArray *v, GMimeObject *obj, const char *name)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    int i, n = g_mime_header_list_get_count(hl);

    for (i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        InternetAddressList *l;

        if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0)
            continue;
        l = internet_address_list_parse(parser_opts, g_mime_header_get_value(h));
        if (l != NULL) {
            list_addrs(v, l);
            g_object_unref(l);
        }
    }
}

/* Whether a display name must be quoted to read back as itself: anything but letters, digits,
 * spaces and the other atext of RFC 5322 (UTF-8 is written as it is and encoded when sent),
 * and what looks like an encoded word. */
static int
name_needs_quotes(const char *s)
{
    const unsigned char *p;

    if (strstr(s, "=?") != NULL)
        return 1;
    for (p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x80 && !g_ascii_isalnum(*p) && *p != ' ' &&
            strchr("!#$%&'*+-/=?^_`{|}~", *p) == NULL)
            return 1;
    return 0;
}

/* A display name as a header shows it: as it is, or in quotes with \ and " escaped (the
 * database's ccrm_mail_format_addr quotes the same way), so that "x\" stays a name. */
static void
append_name(GString *out, const char *name)
{
    const char *p;

    if (!name_needs_quotes(name)) {
        g_string_append(out, name);
        return;
    }
    g_string_append_c(out, '"');
    for (p = name; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
}

/* The mailboxes (and groups) of list as a header shows them, each name quoted where it needs
 * to be, so the text parses again into the same addresses: To and Cc are shown, Reply-To is
 * where an answer goes (GMime's own writer leaves a name ending in a backslash unquoted, "x\
 * <a@b>", which nothing reads back). answer: only mailboxes with an address (local@domain),
 * groups flattened, as an answer's To needs them. */
static void
append_list(GString *out, InternetAddressList *list, int answer)
{
    int i, n = list != NULL ? internet_address_list_length(list) : 0;

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        const char *nm = internet_address_get_name(ia);
        char *name = nm != NULL ? mail_clean(nm, strlen(nm), 1) : NULL;

        if (name != NULL)
            g_strstrip(name);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            InternetAddressList *members =
                internet_address_group_get_members((InternetAddressGroup *)ia);

            if (answer) {
                append_list(out, members, answer);
            } else {
                if (out->len > 0)
                    g_string_append(out, ", ");
                append_name(out, name != NULL && *name != '\0' ? name : "group");
                g_string_append(out, ": ");
                append_list(out, members, answer);
                g_string_append_c(out, ';');
            }
        } else {
            const char *a = internet_address_mailbox_get_addr((InternetAddressMailbox *)ia);
            char *addr = a != NULL ? mail_clean(a, strlen(a), 1) : NULL;

            if (addr != NULL)
                g_strstrip(addr);
            if (addr != NULL && *addr != '\0' && (!answer || strchr(addr, '@') != NULL)) {
                if (out->len > 0 && out->str[out->len - 1] != ' ')
                    g_string_append(out, ", ");
                if (name != NULL && *name != '\0') {
                    append_name(out, name);
                    g_string_append_printf(out, " <%s>", addr);
                } else {
                    g_string_append(out, addr);
                }
            }
            free(addr);
        }
        free(name);
    }
}

static char *
list_text(InternetAddressList *list, int answer)
{
    GString *s = g_string_new(NULL);

    append_list(s, list, answer);
    if (s->len == 0) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

/* The first mailbox with an address (local@domain) of list. "Smith, John <j@x.example>" with
 * its comma unquoted reads as two: "Smith" (no domain) and "John <j@x.example>"; the words
 * before the address are its name then ("Smith, John"). */
static void
first_mailbox(InternetAddressList *list, char **addr, char **name)
{
    int i, n = list != NULL ? internet_address_list_length(list) : 0;
    GString *before = g_string_new(NULL);

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        const char *a, *nm;

        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            first_mailbox(internet_address_group_get_members((InternetAddressGroup *)ia), addr,
                          name);
            if (*addr != NULL)
                break;
            continue;
        }
        a = internet_address_mailbox_get_addr((InternetAddressMailbox *)ia);
        nm = internet_address_get_name(ia);
        if (a == NULL || strchr(a, '@') == NULL) {
            /* a word of the name, or nothing we can answer */
            const char *w = nm != NULL && *nm != '\0' ? nm : a;

            if (w != NULL && *w != '\0')
                g_string_append_printf(before, "%s%s", before->len ? ", " : "", w);
            continue;
        }
        *addr = mail_clean(a, strlen(a), 1);
        if (before->len > 0 && nm != NULL && *nm != '\0')
            g_string_append_printf(before, ", %s", nm);
        else if (nm != NULL && *nm != '\0')
            g_string_assign(before, nm);
        if (before->len > 0)
            *name = mail_clean(before->str, before->len, 1);
        break;
    }
    g_string_free(before, TRUE);
}

/* The sender from a From (or Sender) header GMime found no address in: its first
 * <local@domain>, and the words before it as the name. */
static void
raw_mailbox(GMimeObject *obj, const char *header, char **addr, char **name)
{
    const char *raw = g_mime_object_get_header(obj, header);
    GPtrArray *v = g_ptr_array_new_with_free_func(free);
    const char *lt;

    angle_addrs(v, raw);
    if (v->len > 0) {
        const char *a = g_ptr_array_index(v, 0);

        *addr = xstrdup(a);
        lt = strchr(raw, '<');
        if (lt != NULL && lt > raw) {
            char *words = xasprintf("%.*s", (int)(lt - raw), raw);
            char *dec = g_mime_utils_header_decode_text(parser_opts, words);
            char *nm = mail_clean(dec, strlen(dec), 1);

            g_strstrip(nm);
            if (*nm != '\0')
                *name = nm;
            else
                free(nm);
            g_free(dec);
            free(words);
        }
    }
    g_ptr_array_free(v, TRUE);
}

/* The sender from a From (or Sender) header with no address GMime or raw_mailbox could read
 * ("John Doe j@x.example", an address in the wrong brackets): its last word that looks like
 * local@domain, and the words before it as the name. A person's mail with a broken From is
 * still answered and filed under its sender. */
static void
loose_mailbox(GMimeObject *obj, const char *header, char **addr, char **name)
{
    static const char sep[] = " \t\r\n<>()[],;:\"'";
    const char *raw = g_mime_object_get_header(obj, header), *p, *at = NULL;
    size_t len = 0;

    if (raw == NULL)
        return;
    for (p = raw; *p != '\0';) {
        size_t n = strcspn(p, sep);
        const char *a = n > 0 ? memchr(p, '@', n) : NULL;

        /* one @ with something on both sides */
        if (a != NULL && a > p && a < p + n - 1 &&
            memchr(a + 1, '@', (size_t)(p + n - a - 1)) == NULL) {
            at = p;
            len = n;
        }
        p += n;
        p += strspn(p, sep);
    }
    if (at == NULL)
        return;
    {
        char *t = xasprintf("%.*s", (int)len, at);
        char *words = xasprintf("%.*s", (int)(at - raw), raw);
        char *dec = g_mime_utils_header_decode_text(parser_opts, words);
        char *nm = mail_clean(dec, strlen(dec), 1), *r, *w;
        int depth = 0;

        *addr = mail_clean(t, strlen(t), 1);
        /* the name without (comments), quotes and brackets, its spaces folded */
        for (r = w = nm; *r != '\0'; r++) {
            if (*r == '(')
                depth++;
            else if (*r == ')' && depth > 0)
                depth--;
            else if (depth == 0 && strchr("\"<>[];:,", *r) == NULL &&
                     (*r != ' ' || (w > nm && w[-1] != ' ')))
                *w++ = *r;
        }
        *w = '\0';
        g_strstrip(nm);
        if (*nm != '\0')
            *name = nm;
        else
            free(nm);
        g_free(dec);
        free(words);
        free(t);
    }
}

/* ---- what wrote it ---- */

static int
header_is(GMimeObject *obj, const char *name, const char *value)
{
    const char *v = g_mime_object_get_header(obj, name);

    while (v != NULL && (*v == ' ' || *v == '\t'))
        v++;
    return v != NULL && g_ascii_strncasecmp(v, value, strlen(value)) == 0;
}

/* The Message-ID of the mail a delivery report returns: its message/rfc822 part's, else the
 * Message-ID line of its text/rfc822-headers part (RFC 3462), in the report's own parts. NULL
 * when it has none. A bounce of our answer then threads by it (as an In-Reply-To) onto the
 * conversation it belongs to, where the person who wrote the answer sees it bounced. */
static size_t part_bytes(GMimePart *part, size_t max, char **buf);

static char *
returned_msgid(GMimeMessage *msg)
{
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    int i, n;

    if (body == NULL || !GMIME_IS_MULTIPART(body))
        return NULL;
    n = g_mime_multipart_get_count(GMIME_MULTIPART(body));
    for (i = 0; i < n && i < 16; i++) {
        GMimeObject *part = g_mime_multipart_get_part(GMIME_MULTIPART(body), i);
        GMimeContentType *ct = g_mime_object_get_content_type(part);

        if (GMIME_IS_MESSAGE_PART(part)) {
            GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
            const char *id = inner != NULL ? g_mime_message_get_message_id(inner) : NULL;

            if (id != NULL)
                return clean_msgid(id);
        } else if (GMIME_IS_PART(part) &&
                   g_mime_content_type_is_type(ct, "text", "rfc822-headers")) {
            char *bytes = NULL, *line, *save = NULL, *id = NULL;
            part_bytes(GMIME_PART(part), 65536, &bytes); /* (NUL-terminated) */
            if (bytes == NULL)
                continue;
            for (line = strtok_r(bytes, "\n", &save); line != NULL && id == NULL;
                 line = strtok_r(NULL, "\n", &save))
                if (g_ascii_strncasecmp(line, "Message-ID:", 11) == 0)
                    id = clean_msgid(line + 11);
            free(bytes);
            if (id != NULL)
                return id;
        }
    }
    return NULL;
}

static enum mail_auto
classify(GMimeMessage *msg, const char *from, const struct mail_parse_opts *o)
{
    GMimeObject *obj = GMIME_OBJECT(msg);
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    const char *v;

    if (o != NULL && o->null_sender)
        return MAIL_BOUNCE;
    if (header_is(obj, "Return-Path", "<>"))
        return MAIL_BOUNCE;
    if (from != NULL && (g_ascii_strncasecmp(from, "mailer-daemon@", 14) == 0 ||
                         g_ascii_strncasecmp(from, "postmaster@", 11) == 0))
        return MAIL_BOUNCE;
    if (body != NULL) {
        GMimeContentType *ct = g_mime_object_get_content_type(body);

        if (g_mime_content_type_is_type(ct, "multipart", "report")) {
            const char *rt = g_mime_content_type_get_parameter(ct, "report-type");

            if (rt != NULL && g_ascii_strcasecmp(rt, "delivery-status") == 0)
                return MAIL_BOUNCE;
            return MAIL_AUTO_REPLY; /* read receipts and other reports */
        }
    }
    v = g_mime_object_get_header(obj, "Auto-Submitted");
    if (v != NULL && !header_is(obj, "Auto-Submitted", "no"))
        return MAIL_AUTO_REPLY;
    if (g_mime_object_get_header(obj, "X-Autoreply") != NULL ||
        g_mime_object_get_header(obj, "X-Autorespond") != NULL ||
        header_is(obj, "X-Auto-Response-Suppress", "All") ||
        g_mime_object_get_header(obj, "X-Autogenerated") != NULL)
        return MAIL_AUTO_REPLY;
    if (header_is(obj, "Precedence", "bulk") || header_is(obj, "Precedence", "junk"))
        return MAIL_BULK;
    if (header_is(obj, "Precedence", "list") || g_mime_object_get_header(obj, "List-Id") != NULL ||
        g_mime_object_get_header(obj, "List-Unsubscribe") != NULL)
        return MAIL_LIST;
    return MAIL_PERSON;
}

/* ---- the body and the attachments ---- */

struct walk {
    const struct mail_parse_opts *o;
    GString *body;
    GPtrArray *att; /* struct mail_attachment * */
    int depth;
    int files_only; /* an alternative not chosen for the text: its files only */
    /* parts with no text of their own that are said in words when the mail has no text at
     * all (unread_text): a forwarded mail, an invitation, S/MIME or OpenPGP */
    GPtrArray *unread; /* struct unread * */
    int nest;          /* forwarded mails this one is inside (forwarded_text) */
};

struct unread {
    GMimeObject *obj; /* the mail's own: lives as long as the message */
    guint att;        /* the attachment it became, for its name */
};

static void walk(struct walk *w, GMimeObject *obj);

/* A part whose text the body shows when the mail has no other: noted with the attachment it
 * just became. */
static void
note_unread(struct walk *w, GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    struct unread *u;

    if (w->unread == NULL || w->att->len == 0 || w->unread->len >= 5)
        return;
    if (!GMIME_IS_MESSAGE_PART(obj) && !g_mime_content_type_is_type(ct, "text", "calendar") &&
        !g_mime_content_type_is_type(ct, "application", "pkcs7-mime") &&
        !g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime") &&
        !g_mime_content_type_is_type(ct, "application", "pgp-encrypted"))
        return;
    u = xcalloc(1, sizeof *u);
    u->obj = obj;
    u->att = w->att->len - 1;
    g_ptr_array_add(w->unread, u);
}

/* The decoded content of a leaf part: into *buf when it is at most max bytes (else *buf NULL);
 * returns the decoded size. */
static size_t
part_bytes(GMimePart *part, size_t max, char **buf)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    GMimeStream *src, *out;
    gint64 enc_len;
    size_t size;

    *buf = NULL;
    if (dw == NULL)
        return 0;
    src = g_mime_data_wrapper_get_stream(dw);
    enc_len = src != NULL ? g_mime_stream_length(src) : -1;
    /* decoded is never longer than encoded (base64 is 3/4): only big parts are counted first */
    if (enc_len >= 0 && (size_t)enc_len <= max) {
        GByteArray *ba;

        out = g_mime_stream_mem_new();
        g_mime_data_wrapper_write_to_stream(dw, out);
        ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
        size = ba->len;
        if (size <= max) {
            *buf = xmalloc(size + 1);
            if (size > 0)
                memcpy(*buf, ba->data, size);
            (*buf)[size] = '\0';
        }
        g_object_unref(out);
        return size;
    }
    out = g_mime_stream_null_new();
    g_mime_data_wrapper_write_to_stream(dw, out);
    size = (size_t)GMIME_STREAM_NULL(out)->written;
    g_object_unref(out);
    if (size <= max) { /* the guess was wrong: fetch it after all */
        out = g_mime_stream_mem_new();
        g_mime_data_wrapper_write_to_stream(dw, out);
        {
            GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));

            *buf = xmalloc(ba->len + 1);
            if (ba->len > 0)
                memcpy(*buf, ba->data, ba->len);
            (*buf)[ba->len] = '\0';
            size = ba->len;
        }
        g_object_unref(out);
    }
    return size;
}

static const char *
type_extension(const char *type)
{
    static const char *const map[][2] = {
        {"application/pdf", "pdf"}, {"image/png", "png"},      {"image/jpeg", "jpg"},
        {"image/gif", "gif"},       {"text/plain", "txt"},     {"text/html", "html"},
        {"text/calendar", "ics"},   {"message/rfc822", "eml"}, {"application/zip", "zip"},
        {"text/csv", "csv"},
    };
    size_t i;

    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(type, map[i][0]) == 0)
            return map[i][1];
    return "bin";
}

/* A file name fit to show and to save: the last path component, no control characters, at
 * most 255 bytes; "attachment-N.ext" when there is none. */
static char *
clean_filename(const char *name, const char *type, int n)
{
    const char *base = name;
    char *out, *p;

    if (name != NULL) {
        for (p = (char *)name; *p != '\0'; p++)
            if (*p == '/' || *p == '\\')
                base = p + 1;
    }
    out = base != NULL ? mail_clean(base, strlen(base), 1) : NULL;
    if (out != NULL) {
        char *s = str_trim(out);

        memmove(out, s, strlen(s) + 1);
        while (out[0] == '.' && (out[1] == '\0' || (out[1] == '.' && out[2] == '\0')))
            out[0] = '\0'; /* "." and ".." are not names */
    }
    if (out == NULL || *out == '\0') {
        free(out);
        return xasprintf("attachment-%d.%s", n, type_extension(type));
    }
    if (strlen(out) > 255) {
        gchar *end = g_utf8_find_prev_char(out, out + 255);

        if (end != NULL)
            *end = '\0';
    }
    return out;
}

static char *
mime_type(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    char *t = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
    char *out, *p;

    out = mail_clean(t != NULL ? t : "application/octet-stream",
                     strlen(t != NULL ? t : "application/octet-stream"), 1);
    g_free(t);
    for (p = out; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    if (*out == '\0' || strchr(out, '/') == NULL) {
        free(out);
        out = xstrdup("application/octet-stream");
    }
    return out;
}

static void
add_attachment(struct walk *w, const char *name, char *type, size_t size, char *content)
{
    struct mail_attachment *a = xcalloc(1, sizeof *a);

    a->type = type;
    a->name = clean_filename(name, type, (int)w->att->len + 1);
    a->size = size;
    a->content = content;
    g_ptr_array_add(w->att, a);
}

static void
body_add(struct walk *w, const char *text)
{
    size_t len = strlen(text);

    if (w->files_only)
        return;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    while (len > 0 && *text == '\n') {
        text++;
        len--;
    }
    if (len == 0)
        return;
    if (w->body->len > 0)
        g_string_append(w->body, "\n\n");
    g_string_append_len(w->body, text, (gssize)len);
}

static int
is_attachment(GMimeObject *obj)
{
    const char *disp = g_mime_object_get_disposition(obj);

    if (disp != NULL && g_ascii_strcasecmp(disp, "attachment") == 0)
        return 1;
    return GMIME_IS_PART(obj) && g_mime_part_get_filename(GMIME_PART(obj)) != NULL;
}

/* A text said to be base64 that is not (words, punctuation: a writer's wrong header) is read
 * as it is written, not decoded into bytes that mean nothing. Its first 4 KB tell. */
static void
text_not_base64(GMimePart *part)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    GMimeStream *src = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
    char buf[4096];
    gssize i, n;

    if (src == NULL || g_mime_data_wrapper_get_encoding(dw) != GMIME_CONTENT_ENCODING_BASE64 ||
        g_mime_stream_reset(src) == -1)
        return;
    n = g_mime_stream_read(src, buf, sizeof buf);
    g_mime_stream_reset(src);
    for (i = 0; i < n; i++)
        if (!g_ascii_isalnum(buf[i]) && strchr("+/= \t\r\n", buf[i]) == NULL) {
            g_mime_data_wrapper_set_encoding(dw, GMIME_CONTENT_ENCODING_8BIT);
            return;
        }
}

static void
leaf(struct walk *w, GMimePart *part)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    size_t max = w->o != NULL ? w->o->attachment_max : 0;
    char *bytes, *text;
    size_t size;

    if (!is_attachment(obj) && (g_mime_content_type_is_type(ct, "text", "plain") ||
                                g_mime_content_type_is_type(ct, "text", "html") ||
                                g_mime_content_type_is_type(ct, "message", "delivery-status"))) {
        if (w->files_only)
            return; /* the same text again, in the alternative not chosen */
        text_not_base64(part);
        /* the text is taken whatever the attachment limit (a 20 MB text is still the text) */
        size = part_bytes(part, (size_t)-1 / 2, &bytes);
        text = mail_to_utf8(bytes != NULL ? bytes : "", bytes != NULL ? size : 0,
                            g_mime_content_type_get_parameter(ct, "charset"));
        free(bytes);
        if (g_mime_content_type_is_type(ct, "text", "html")) {
            char *plain = mail_html_to_text(text, strlen(text));

            free(text);
            text = plain;
        }
        body_add(w, text);
        free(text);
        return;
    }
    size = part_bytes(part, max, &bytes);
    add_attachment(w, g_mime_part_get_filename(part), mime_type(obj), size, bytes);
    note_unread(w, obj);
}

/* A forwarded or bounced mail inside this one: an attachment "<subject>.eml". */
static void
message_part(struct walk *w, GMimeMessagePart *mp)
{
    GMimeMessage *inner = g_mime_message_part_get_message(mp);
    GMimeObject *obj = GMIME_OBJECT(mp);
    const char *fname = NULL;
    char *name = NULL, *content = NULL;
    size_t size = 0, max = w->o != NULL ? w->o->attachment_max : 0;

    if (GMIME_IS_OBJECT(obj))
        fname = g_mime_object_get_content_disposition_parameter(obj, "filename");
    if (inner != NULL) {
        GMimeStream *s = g_mime_stream_mem_new();
        GByteArray *ba;

        g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, s);
        ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
        size = ba->len;
        if (size <= max) {
            content = xmalloc(size + 1);
            memcpy(content, ba->data, size);
            content[size] = '\0';
        }
        g_object_unref(s);
        if (fname == NULL && g_mime_message_get_subject(inner) != NULL &&
            *g_mime_message_get_subject(inner) != '\0')
            name = xasprintf("%s.eml", g_mime_message_get_subject(inner));
    }
    add_attachment(w, fname != NULL ? fname : name, mime_type(obj), size, content);
    free(name);
    note_unread(w, obj);
}

static int
contains_type(GMimeObject *obj, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    int i, n;

    if (g_mime_content_type_is_type(ct, type, subtype) && !is_attachment(obj))
        return 1;
    if (!GMIME_IS_MULTIPART(obj))
        return 0;
    n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
    for (i = 0; i < n; i++)
        if (contains_type(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), type, subtype))
            return 1;
    return 0;
}

static void
alternative(struct walk *w, GMimeMultipart *mp)
{
    int i, chosen = -1, n = g_mime_multipart_get_count(mp), files_only = w->files_only;

    /* plain text first, HTML second, else the last (the sender's favourite) */
    for (i = 0; i < n && chosen == -1; i++)
        if (contains_type(g_mime_multipart_get_part(mp, i), "text", "plain"))
            chosen = i;
    for (i = 0; i < n && chosen == -1; i++)
        if (contains_type(g_mime_multipart_get_part(mp, i), "text", "html"))
            chosen = i;
    if (chosen == -1)
        chosen = n - 1;
    if (chosen >= 0)
        walk(w, g_mime_multipart_get_part(mp, chosen));
    /* the others say the same in other words, but may carry what the chosen one has not:
     * the screenshot of an HTML part (Thunderbird's multipart/related beside the plain
     * text), an invitation's text/calendar (Outlook's third alternative). Their files are
     * kept, their text is not. */
    w->files_only = 1;
    for (i = 0; i < n; i++)
        if (i != chosen)
            walk(w, g_mime_multipart_get_part(mp, i));
    w->files_only = files_only;
}

static void
walk(struct walk *w, GMimeObject *obj)
{
    GMimeContentType *ct;

    if (obj == NULL || w->depth > 40)
        return;
    w->depth++;
    ct = g_mime_object_get_content_type(obj);
    if (GMIME_IS_MESSAGE_PART(obj)) {
        message_part(w, GMIME_MESSAGE_PART(obj));
    } else if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int i, n = g_mime_multipart_get_count(mp);

        if (g_mime_content_type_is_type(ct, "multipart", "alternative"))
            alternative(w, mp);
        else if (GMIME_IS_MULTIPART_ENCRYPTED(obj)) {
            body_add(w, "(encrypted mail: the text cannot be read here)");
            for (i = 0; i < n; i++)
                if (GMIME_IS_PART(g_mime_multipart_get_part(mp, i)))
                    add_attachment(w, NULL, mime_type(g_mime_multipart_get_part(mp, i)), 0, NULL);
        } else
            for (i = 0; i < n; i++)
                walk(w, g_mime_multipart_get_part(mp, i));
    } else if (GMIME_IS_PART(obj)) {
        leaf(w, GMIME_PART(obj));
    }
    w->depth--;
}

/* ---- what a mail without text says instead ---- */

#define FORWARD_NEST_MAX 3     /* forwarded mails inside forwarded mails shown */
#define CALENDAR_MAX (1 << 20) /* an invitation larger than this is not read */

static void unread_text(struct walk *w);

/* ---- invitations, read with libical ----
 *
 * libical is not linked into this module: it pulls in ICU's libicui18n (and libstdc++), which
 * every `--mail-in` would then load and bind at start (Debian builds with BIND_NOW), for the few
 * mails that are invitations (docs/architecture.md "Start-up", tests/db/test_modules.sh). It is
 * dlopen()ed here the first time a mail without text has a text/calendar part, and only the
 * functions below are looked up. The document module (ccrm-doc.so) has libical too, but it would
 * bring cairo, pango and fontconfig along, and the binary's loader (src/ext/load.c) is not
 * reachable from a module; so this module opens libical itself. Its header is used for the types
 * (struct icaltimetype, the enums) and, with __typeof__, for the functions' exact prototypes. */

#define ICAL_SONAME "libical.so.3"
_Static_assert(ICAL_MAJOR_VERSION == 3, "ICAL_SONAME names libical 3's shared object");

#define ICAL_FUNCTIONS(X)                                                                          \
    X(icalparser_parse_string)                                                                     \
    X(icalcomponent_free)                                                                          \
    X(icalcomponent_isa)                                                                           \
    X(icalcomponent_get_first_component)                                                           \
    X(icalcomponent_get_next_component)                                                            \
    X(icalcomponent_get_first_property)                                                            \
    X(icalcomponent_get_next_property)                                                             \
    X(icalproperty_isa)                                                                            \
    X(icalproperty_get_value_as_string)                                                            \
    X(icalproperty_get_summary)                                                                    \
    X(icalproperty_get_location)                                                                   \
    X(icalproperty_get_organizer)                                                                  \
    X(icalproperty_get_attendee)                                                                   \
    X(icalproperty_get_dtstart)                                                                    \
    X(icalproperty_get_dtend)                                                                      \
    X(icalproperty_get_due)                                                                        \
    X(icalproperty_get_first_parameter)                                                            \
    X(icalparameter_get_cn)                                                                        \
    X(icalparameter_get_tzid)                                                                      \
    X(icalparameter_get_partstat)                                                                  \
    X(icaltime_is_utc)

static struct {
#define ICAL_MEMBER(f) __typeof__(f) *f;
    ICAL_FUNCTIONS(ICAL_MEMBER)
#undef ICAL_MEMBER
} ical;

/* Open libical and look its functions up, once per process. Returns 0, or -1 when it is not
 * installed or lacks one (the invitation is then not read). The library stays loaded. */
static int
ical_load(void)
{
    static int state; /* 0: not tried yet, 1: loaded, -1: cannot be */
    void *h, *sym;

    if (state != 0)
        return state > 0 ? 0 : -1;
    state = -1;
    h = dlopen(ICAL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return -1;
#define ICAL_LOOKUP(f)                                                                             \
    if ((sym = dlsym(h, #f)) == NULL)                                                              \
        return -1;                                                                                 \
    memcpy(&ical.f, &sym, sizeof ical.f); /* POSIX: a function's address fits a void * */
    ICAL_FUNCTIONS(ICAL_LOOKUP)
#undef ICAL_LOOKUP
    state = 1;
    return 0;
}

/* A TEXT value (unescaped by libical) as one line; "" for none. */
static char *
ics_text(const char *v)
{
    char *s, *p, *out;

    if (v == NULL)
        return xstrdup("");
    s = xstrdup(v);
    for (p = s; *p != '\0'; p++)
        if (*p == '\n')
            *p = ' '; /* an escaped line break (\n) is a space */
    out = mail_clean(s, strlen(s), 1);
    free(s);
    return out;
}

/* A parameter's value as one line (libical has removed its quotes); NULL when it is not there. */
static char *
ics_param(icalproperty *prop, icalparameter_kind kind)
{
    icalparameter *p = ical.icalproperty_get_first_parameter(prop, kind);
    const char *v = NULL;

    if (p == NULL)
        return NULL;
    if (kind == ICAL_CN_PARAMETER)
        v = ical.icalparameter_get_cn(p);
    else if (kind == ICAL_TZID_PARAMETER)
        v = ical.icalparameter_get_tzid(p);
    return v != NULL ? mail_clean(v, strlen(v), 1) : NULL;
}

/* A DTSTART, DTEND or DUE as written, in pieces: "2024-12-17", "09:00" (with the seconds when
 * they are not 0; none for a whole day) and the zone ("UTC" for a Z, the TZID, none for
 * floating time). Not converted: the invitation says when in its own zone, and so does this.
 * Returns -1 (nothing set) when libical could not read the time. */
static int
ics_time(icalproperty *prop, struct icaltimetype t, char **date, char **hm, char **zone)
{
    *date = *hm = *zone = NULL;
    if (t.year == 0 && t.month == 0 && t.day == 0)
        return -1;
    *date = xasprintf("%04d-%02d-%02d", t.year, t.month, t.day);
    if (!t.is_date) {
        *hm = t.second != 0 ? xasprintf("%02d:%02d:%02d", t.hour, t.minute, t.second)
                            : xasprintf("%02d:%02d", t.hour, t.minute);
        *zone = ical.icaltime_is_utc(t) ? xstrdup("UTC") : ics_param(prop, ICAL_TZID_PARAMETER);
    }
    return 0;
}

/* "When": the start, and the end (its time only when it is the same day in the same zone).
 * end is NULL when there is none. */
static void
ics_when(GString *out, icalproperty *start, icalproperty *end)
{
    char *d1, *t1, *z1, *d2 = NULL, *t2 = NULL, *z2 = NULL;

    if (ics_time(start, ical.icalproperty_get_dtstart(start), &d1, &t1, &z1) != 0)
        return;
    if (end != NULL)
        ics_time(end,
                 ical.icalproperty_isa(end) == ICAL_DUE_PROPERTY ? ical.icalproperty_get_due(end)
                                                                 : ical.icalproperty_get_dtend(end),
                 &d2, &t2, &z2);
    g_string_append_printf(out, "When: %s", d1);
    if (t1 != NULL)
        g_string_append_printf(out, " %s", t1);
    if (d2 != NULL && strcmp(d1, d2) == 0 && t1 != NULL && t2 != NULL && g_strcmp0(z1, z2) == 0) {
        g_string_append_printf(out, "–%s", t2);
    } else {
        if (z1 != NULL)
            g_string_append_printf(out, " %s", z1);
        free(z1);
        z1 = NULL;
        if (d2 != NULL && (t1 != NULL || t2 != NULL)) {
            g_string_append_printf(out, " – %s%s%s", d2, t2 != NULL ? " " : "",
                                   t2 != NULL ? t2 : "");
        } else if (d2 != NULL && strlen(d2) == 10 &&
                   g_date_valid_dmy((GDateDay)atoi(d2 + 8), (GDateMonth)atoi(d2 + 5),
                                    (GDateYear)atoi(d2))) {
            /* whole days: DTEND is the day after the last one, which is the one said */
            GDate *last = g_date_new_dmy((GDateDay)atoi(d2 + 8), (GDateMonth)atoi(d2 + 5),
                                         (GDateYear)atoi(d2));
            char buf[16];

            g_date_subtract_days(last, 1);
            if (g_date_strftime(buf, sizeof buf, "%Y-%m-%d", last) > 0 && strcmp(buf, d1) > 0)
                g_string_append_printf(out, " – %s", buf);
            g_date_free(last);
        }
        z1 = z2;
        z2 = NULL;
    }
    if (z1 != NULL)
        g_string_append_printf(out, " %s", z1);
    g_string_append_c(out, '\n');
    free(d1);
    free(t1);
    free(z1);
    free(d2);
    free(t2);
    free(z2);
}

/* A calendar user ("mailto:a@b" with CN="Name") as "Name <a@b>". */
static char *
ics_person(icalproperty *prop, const char *value)
{
    char *cn = ics_param(prop, ICAL_CN_PARAMETER), *addr, *out;

    if (value == NULL)
        value = "";
    if (g_ascii_strncasecmp(value, "mailto:", 7) == 0)
        value += 7;
    addr = mail_clean(value, strlen(value), 1);
    if (cn != NULL && *cn != '\0' && *addr != '\0')
        out = xasprintf("%s <%s>", cn, addr);
    else if (cn != NULL && *cn != '\0')
        out = xstrdup(cn);
    else
        out = xstrdup(addr);
    free(cn);
    free(addr);
    return out;
}

static const char *
ics_method(const char *m)
{
    static const char *const words[][2] = {
        {"REQUEST", "Meeting request"},
        {"CANCEL", "Meeting cancelled"},
        {"REPLY", "Answer to a meeting request"},
        {"PUBLISH", "Calendar event"},
        {"COUNTER", "Proposal of another time for a meeting"},
        {"DECLINECOUNTER", "Proposal of another time declined"},
        {"REFRESH", "Request for the latest version of a meeting"},
        {"ADD", "Dates added to a meeting"},
    };
    size_t i;

    for (i = 0; m != NULL && i < sizeof words / sizeof words[0]; i++)
        if (g_ascii_strcasecmp(m, words[i][0]) == 0)
            return words[i][1];
    return "Calendar event";
}

/* An attendee's PARTSTAT in words; NULL for none or another one. */
static const char *
ics_partstat(icalproperty *prop)
{
    icalparameter *p = ical.icalproperty_get_first_parameter(prop, ICAL_PARTSTAT_PARAMETER);

    switch (p != NULL ? ical.icalparameter_get_partstat(p) : ICAL_PARTSTAT_NONE) {
    case ICAL_PARTSTAT_ACCEPTED:
        return "accepted";
    case ICAL_PARTSTAT_DECLINED:
        return "declined";
    case ICAL_PARTSTAT_TENTATIVE:
        return "tentative";
    case ICAL_PARTSTAT_DELEGATED:
        return "delegated";
    case ICAL_PARTSTAT_NEEDSACTION:
        return "no answer yet";
    default:
        return NULL;
    }
}

/* The first event or task of a VCALENDAR; NULL when it has none. */
static icalcomponent *
first_item(icalcomponent *cal)
{
    icalcomponent *c;

    for (c = ical.icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT); c != NULL;
         c = ical.icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind k = ical.icalcomponent_isa(c);

        if (k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT)
            return c;
    }
    return NULL;
}

/* An invitation in words: what, when, where, who invites and what the mail asks (METHOD, else
 * the Content-Type's method parameter), from the first event (or task) of the calendar; its
 * alarms' SUMMARYs are theirs, not the event's. NULL when it cannot be read: libical is not
 * there, or refuses the text, or it has no event or task with a SUMMARY or a DTSTART. */
static char *
calendar_text(const char *ics, const char *method_param)
{
    icalcomponent *root, *cal = NULL, *item = NULL;
    icalproperty *p, *start = NULL, *end = NULL;
    char *method = NULL, *summary = NULL, *location = NULL, *organizer = NULL, *answer = NULL;
    GString *out;

    if (ical_load() != 0 || (root = ical.icalparser_parse_string(ics)) == NULL)
        return NULL;
    if (ical.icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) {
        cal = root;
        item = first_item(cal);
    } else if (ical.icalcomponent_isa(root) == ICAL_XROOT_COMPONENT) {
        /* several calendars in one text: the first with an event or a task */
        for (cal = ical.icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
             cal != NULL && (item = first_item(cal)) == NULL;
             cal = ical.icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT))
            ;
    }
    if (item == NULL) {
        ical.icalcomponent_free(root);
        return NULL;
    }
    p = ical.icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
    if (p != NULL && ical.icalproperty_get_value_as_string(p) != NULL)
        method = ics_text(ical.icalproperty_get_value_as_string(p));
    /* the first of each, as written */
    for (p = ical.icalcomponent_get_first_property(item, ICAL_ANY_PROPERTY); p != NULL;
         p = ical.icalcomponent_get_next_property(item, ICAL_ANY_PROPERTY)) {
        switch (ical.icalproperty_isa(p)) {
        case ICAL_SUMMARY_PROPERTY:
            if (summary == NULL)
                summary = ics_text(ical.icalproperty_get_summary(p));
            break;
        case ICAL_LOCATION_PROPERTY:
            if (location == NULL)
                location = ics_text(ical.icalproperty_get_location(p));
            break;
        case ICAL_ORGANIZER_PROPERTY:
            if (organizer == NULL)
                organizer = ics_person(p, ical.icalproperty_get_organizer(p));
            break;
        case ICAL_ATTENDEE_PROPERTY:
            if (answer == NULL && ics_partstat(p) != NULL) {
                char *who = ics_person(p, ical.icalproperty_get_attendee(p));

                answer = xasprintf("%s: %s", who, ics_partstat(p));
                free(who);
            }
            break;
        case ICAL_DTSTART_PROPERTY:
            if (start == NULL)
                start = p;
            break;
        case ICAL_DTEND_PROPERTY:
        case ICAL_DUE_PROPERTY:
            if (end == NULL)
                end = p;
            break;
        default:
            break;
        }
    }
    out = g_string_new(NULL);
    if (summary != NULL || start != NULL) {
        const char *m = method != NULL ? method : method_param;

        g_string_append_printf(out, "%s\n", ics_method(m));
        if (summary != NULL && *summary != '\0')
            g_string_append_printf(out, "What: %s\n", summary);
        if (start != NULL)
            ics_when(out, start, end);
        if (location != NULL && *location != '\0')
            g_string_append_printf(out, "Where: %s\n", location);
        if (organizer != NULL && *organizer != '\0')
            g_string_append_printf(out, "Organizer: %s\n", organizer);
        if (answer != NULL && m != NULL && g_ascii_strcasecmp(m, "REPLY") == 0)
            g_string_append_printf(out, "Answer: %s\n", answer);
    }
    ical.icalcomponent_free(root); /* start and end were its */
    free(method);
    free(summary);
    free(location);
    free(organizer);
    free(answer);
    if (out->len == 0) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

/* A forwarded mail as a mail program shows it: a few of its headers, then its text, read as
 * this one's is (its own forwarded mails too, FORWARD_NEST_MAX deep). Its attachments are the
 * attachment .eml's, not this mail's. */
static char *
forwarded_text(struct walk *w, GMimeMessage *inner)
{
    GString *out = g_string_new("-------- Forwarded message --------\n");
    GMimeObject *obj = GMIME_OBJECT(inner);
    GMimeHeader *h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj), "Subject");
    const char *raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;
    const char *date = g_mime_object_get_header(obj, "Date");
    char *from = list_text(g_mime_message_get_from(inner), 0);
    char *to = list_text(g_mime_message_get_to(inner), 0);

    if (from != NULL)
        g_string_append_printf(out, "From: %s\n", from);
    if (date != NULL) {
        char *d = mail_clean(date, strlen(date), 1);

        g_string_append_printf(out, "Date: %s\n", g_strstrip(d));
        free(d);
    }
    if (raw != NULL && strlen(raw) < DECODE_WORDS_MAX) {
        char *s = decode_words(raw, 0), *c = mail_clean(s, strlen(s), 1);

        if (*g_strstrip(c) != '\0')
            g_string_append_printf(out, "Subject: %s\n", c);
        free(c);
        free(s);
    }
    if (to != NULL)
        g_string_append_printf(out, "To: %s\n", to);
    free(from);
    free(to);
    if (w->nest < FORWARD_NEST_MAX) {
        struct mail_parse_opts o = {0, NULL, 0};
        struct walk iw;
        guint i;

        if (w->o != NULL)
            o = *w->o;
        o.attachment_max = 0; /* the names of its files, not their bytes */
        memset(&iw, 0, sizeof iw);
        iw.o = &o;
        iw.body = g_string_new(NULL);
        iw.att = g_ptr_array_new();
        iw.unread = g_ptr_array_new_with_free_func(free);
        iw.depth = w->depth;
        iw.nest = w->nest + 1;
        walk(&iw, g_mime_message_get_mime_part(inner));
        if (iw.body->len == 0)
            unread_text(&iw);
        if (iw.body->len > 0)
            g_string_append_printf(out, "\n%s", iw.body->str);
        for (i = 0; i < iw.att->len; i++) {
            struct mail_attachment *a = g_ptr_array_index(iw.att, i);

            free(a->name);
            free(a->type);
            free(a->content);
            free(a);
        }
        g_ptr_array_free(iw.att, TRUE);
        g_ptr_array_free(iw.unread, TRUE);
        g_string_free(iw.body, TRUE);
    }
    return g_string_free(out, FALSE);
}

/* The body of a mail with no text: what its forwarded mails, invitations and encrypted parts
 * are, so that a ticket made of one is not blank. The parts stay attachments. */
static void
unread_text(struct walk *w)
{
    guint i;

    for (i = 0; w->unread != NULL && i < w->unread->len; i++) {
        struct unread *u = g_ptr_array_index(w->unread, i);
        const struct mail_attachment *a = g_ptr_array_index(w->att, u->att);
        GMimeContentType *ct = g_mime_object_get_content_type(u->obj);
        char *text = NULL;

        if (GMIME_IS_MESSAGE_PART(u->obj)) {
            GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(u->obj));

            if (inner != NULL)
                text = forwarded_text(w, inner);
        } else if (g_mime_content_type_is_type(ct, "text", "calendar")) {
            char *bytes = NULL, *ics;
            size_t size = part_bytes(GMIME_PART(u->obj), CALENDAR_MAX, &bytes);

            if (bytes != NULL) {
                ics = mail_to_utf8(bytes, size, g_mime_content_type_get_parameter(ct, "charset"));
                text = calendar_text(ics, g_mime_content_type_get_parameter(ct, "method"));
                free(ics);
                free(bytes);
            }
            if (text == NULL)
                text = xasprintf("Calendar invitation (could not be read): open the attachment "
                                 "%s with your calendar program",
                                 a->name);
        } else if (g_mime_content_type_is_type(ct, "application", "pgp-encrypted")) {
            text = xasprintf("(OpenPGP encrypted mail: ccrm cannot read it; open the attachment "
                             "%s with your mail program)",
                             a->name);
        } else {
            const char *st = g_mime_content_type_get_parameter(ct, "smime-type");

            if (st != NULL && (g_ascii_strcasecmp(st, "enveloped-data") == 0 ||
                               g_ascii_strcasecmp(st, "authEnveloped-data") == 0))
                text = xasprintf("(S/MIME encrypted mail: ccrm cannot read it; open the "
                                 "attachment %s with your mail program)",
                                 a->name);
            else if (st != NULL && g_ascii_strcasecmp(st, "signed-data") == 0)
                text = xasprintf("(S/MIME signed mail with its text inside the signature: ccrm "
                                 "cannot read it; open the attachment %s with your mail program)",
                                 a->name);
            else
                text = xasprintf("(S/MIME mail: ccrm cannot read it; open the attachment %s "
                                 "with your mail program)",
                                 a->name);
        }
        if (text != NULL)
            body_add(w, text);
        free(text);
    }
}

/* ---- the whole mail ---- */

/* The hash Message-ID of a mail without one: from, to, cc, date and subject as written, and
 * the body. Trace headers an MTA adds (Received, Return-Path, Delivery-date, ...) are left out,
 * so a retried delivery hashes the same. */
static char *
derived_id(GMimeMessage *msg, const char *raw, size_t n, gint64 body_at)
{
    static const char *const names[] = {"From", "To", "Cc", "Date", "Subject"};
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    char *out;
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), names[i]);

        g_checksum_update(ck, (const guchar *)(v != NULL ? v : ""), -1);
        g_checksum_update(ck, (const guchar *)"\n", 1);
    }
    /* the body with its line ends as LF: the same mail stored from an mbox (LF) and by an MTA
     * that kept CR LF is the same mail */
    if (body_at >= 0 && (size_t)body_at <= n) {
        const char *p = raw + body_at, *end = raw + n, *cr;

        while (p < end && (cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
            g_checksum_update(ck, (const guchar *)p, (gssize)(cr - p));
            if (cr + 1 == end || cr[1] != '\n')
                g_checksum_update(ck, (const guchar *)"\r", 1);
            p = cr + 1;
        }
        g_checksum_update(ck, (const guchar *)p, (gssize)(end - p));
    }
    out = xasprintf("sha256.%.40s@ccrm.invalid", g_checksum_get_string(ck));
    g_checksum_free(ck);
    return out;
}

static char *
join_strv(GPtrArray *v)
{
    GString *s = g_string_new(NULL);
    guint i;

    for (i = 0; i < v->len; i++) {
        if (i > 0)
            g_string_append_c(s, ' ');
        g_string_append(s, g_ptr_array_index(v, i));
    }
    if (s->len == 0) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

static char *
references(GMimeMessage *msg, char **in_reply_to)
{
    const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), "References");
    GMimeReferences *refs;
    GPtrArray *ids = g_ptr_array_new_with_free_func(free);
    char *out;
    int i, n, first = 0;

    *in_reply_to = NULL;
    if (g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To") != NULL) {
        refs = g_mime_references_parse(parser_opts,
                                       g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"));
        if (refs != NULL && g_mime_references_length(refs) > 0)
            *in_reply_to = clean_msgid(g_mime_references_get_message_id(refs, 0));
        if (refs != NULL)
            g_mime_references_free(refs);
    }
    if (v != NULL && (refs = g_mime_references_parse(parser_opts, v)) != NULL) {
        n = g_mime_references_length(refs);
        if (n > MAX_REFERENCES)
            first = n - MAX_REFERENCES; /* the newest ones matter */
        for (i = first; i < n; i++) {
            char *id = clean_msgid(g_mime_references_get_message_id(refs, i));

            if (id != NULL)
                g_ptr_array_add(ids, id);
        }
        g_mime_references_free(refs);
    }
    out = join_strv(ids);
    g_ptr_array_free(ids, TRUE);
    return out;
}

/* The number of header fields GMime would read from buf at start, up to max + 1: lines that
 * begin with a field name and a colon, up to the blank line or the first line that is neither
 * such a field nor a continuation (where GMime's headers end too). */
static size_t
header_fields(const char *buf, size_t start, size_t n, size_t max)
{
    size_t i = start, fields = 0;

    while (i < n && fields <= max) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t end = nl != NULL ? (size_t)(nl - buf) : n, j = i;

        if (buf[i] == '\n' || buf[i] == '\r')
            break; /* the blank line */
        if (buf[i] != ' ' && buf[i] != '\t') {
            while (j < end && (unsigned char)buf[j] > ' ' && buf[j] != ':' && buf[j] != 0x7f)
                j++;
            if (j == i || j >= end || buf[j] != ':')
                break;
            fields++;
        }
        i = end + 1;
    }
    return fields;
}

struct mail_msg *
mail_parse(char *buf, size_t n, const struct mail_parse_opts *o, struct ccrm_err *err)
{
    struct mail_msg *m;
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *msg;
    GMimeObject *obj;
    GByteArray *ba;
    GDateTime *dt;
    GPtrArray *rcpt;
    struct walk w;
    const char *id;
    size_t start = 0;
    gint64 body_at;

    mail_init();
    /* lines ended by CR alone (an old Mac's, some broken gateways'): with no LF anywhere the
     * whole mail would be one header line, its sender, subject and text lost */
    if (n > 0 && memchr(buf, '\n', n) == NULL && memchr(buf, '\r', n) != NULL) {
        size_t i;

        for (i = 0; i < n; i++)
            if (buf[i] == '\r')
                buf[i] = '\n';
    }
    /* an mbox "From " envelope line (the MTA's pipe adds one) is not a header */
    if (n >= 5 && memcmp(buf, "From ", 5) == 0) {
        const char *nl = memchr(buf, '\n', n);

        start = nl != NULL ? (size_t)(nl - buf) + 1 : n;
    }
    for (;;) {
        /* a blank line first would make every header body text, and a continuation line
         * first continues nothing: both go */
        if (start < n && (buf[start] == '\r' || buf[start] == '\n')) {
            start++;
        } else if (start < n && (buf[start] == ' ' || buf[start] == '\t')) {
            const char *nl = memchr(buf + start, '\n', n - start);

            start = nl != NULL ? (size_t)(nl - buf) + 1 : n;
        } else {
            break;
        }
    }
    if (start >= n) {
        free(buf);
        err_set(err, "not a mail: the input is empty");
        return NULL;
    }
    if (header_fields(buf, start, n, MAX_HEADER_FIELDS) > MAX_HEADER_FIELDS) {
        free(buf);
        err_set(err, "not taken: more than %d header fields (a mail has tens)", MAX_HEADER_FIELDS);
        return NULL;
    }
    {
        /* a NUL in a header would end its value there (GMime reads them as C strings): the
         * header lines go without their NULs, as a body's text does */
        size_t i, w_at = start;

        for (i = start; i < n; i++) {
            if (buf[i] == '\n' && (i + 1 == n || buf[i + 1] == '\n' ||
                                   (buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n')))
                break; /* the blank line: the body is left as it is */
            if (buf[i] != '\0')
                buf[w_at++] = buf[i];
        }
        if (w_at < i) {
            memmove(buf + w_at, buf + i, n - i);
            n -= i - w_at;
        }
    }
    ba = g_byte_array_new_take((guint8 *)buf, n);
    stream = g_mime_stream_mem_new_with_byte_array(ba);
    g_mime_stream_set_bounds(stream, (gint64)start, -1);
    parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    msg = g_mime_parser_construct_message(parser, parser_opts);
    if (msg == NULL && ba->len > start && ba->data[ba->len - 1] != '\n') {
        /* headers up to the end without a final newline: GMime refuses a last line without a
         * colon ("X", a mail cut off) that it skips when a newline ends it; end it so, and
         * read the mail again (its other headers are kept) */
        g_object_unref(parser);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
        g_object_unref(stream);
        g_byte_array_append(ba, (const guint8 *)"\n", 1);
        n = ba->len;
        stream = g_mime_stream_mem_new_with_byte_array(ba);
        g_mime_stream_set_bounds(stream, (gint64)start, -1);
        parser = g_mime_parser_new_with_stream(stream);
        g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
        msg = g_mime_parser_construct_message(parser, parser_opts);
    }
    body_at = g_mime_parser_get_headers_end(parser);
    if (msg == NULL) {
        g_object_unref(parser);
        g_object_unref(stream);
        err_set(err, "not a mail: no header could be read");
        return NULL;
    }
    obj = GMIME_OBJECT(msg);
    if (g_mime_object_get_header(obj, "From") == NULL &&
        g_mime_object_get_header(obj, "Message-ID") == NULL &&
        g_mime_object_get_header(obj, "Subject") == NULL &&
        g_mime_object_get_header(obj, "Date") == NULL &&
        g_mime_object_get_header(obj, "To") == NULL) {
        g_object_unref(msg);
        g_object_unref(parser);
        g_object_unref(stream);
        err_set(err, "not a mail: it has none of From, To, Subject, Date, Message-ID");
        return NULL;
    }

    m = xcalloc(1, sizeof *m);
    m->raw_size = n;
    id = g_mime_message_get_message_id(msg);
    m->message_id = clean_msgid(id);
    if (m->message_id == NULL) {
        m->message_id = derived_id(msg, (const char *)ba->data, n, body_at);
        m->derived_id = 1;
    }
    {
        /* names in encoded words as writers cut them (see decode_words); after the hash
         * Message-ID, so that a mail without one hashes as it always did */
        static const char *const addr_headers[] = {"From", "Sender", "Reply-To", "To", "Cc"};
        size_t i;

        for (i = 0; i < sizeof addr_headers / sizeof addr_headers[0]; i++) {
            GMimeHeader *h =
                g_mime_header_list_get_header(g_mime_object_get_header_list(obj), addr_headers[i]);
            const char *raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;

            if (raw != NULL && strstr(raw, "=?") != NULL && strlen(raw) < DECODE_WORDS_MAX) {
                char *v = decode_words(raw, 1);

                g_mime_object_set_header(obj, addr_headers[i], v, NULL);
                free(v);
            }
        }
    }
    m->references = references(msg, &m->in_reply_to);
    first_mailbox(g_mime_message_get_from(msg), &m->from_addr, &m->from_name);
    if (m->from_addr == NULL) /* no From: Sender says who, if anyone */
        first_mailbox(g_mime_message_get_sender(msg), &m->from_addr, &m->from_name);
    if (m->from_addr == NULL) { /* a name GMime could not read: the address in <> */
        free(m->from_name);
        m->from_name = NULL;
        raw_mailbox(obj, "From", &m->from_addr, &m->from_name);
    }
    if (m->from_addr == NULL)
        raw_mailbox(obj, "Sender", &m->from_addr, &m->from_name);
    if (m->from_addr == NULL) { /* no address in <> either: the word that looks like one */
        free(m->from_name);
        m->from_name = NULL;
        loose_mailbox(obj, "From", &m->from_addr, &m->from_name);
    }
    if (m->from_addr == NULL)
        loose_mailbox(obj, "Sender", &m->from_addr, &m->from_name);
    m->reply_to = list_text(g_mime_message_get_reply_to(msg), 1);
    m->to = list_text(g_mime_message_get_to(msg), 0);
    m->cc = list_text(g_mime_message_get_cc(msg), 0);
    rcpt = g_ptr_array_new_with_free_func(free);
    /* what the MTA says it delivers to first, then what its headers say, then To and Cc: the
     * list is cut at MAIL_RECIPIENTS_MAX, and a To of a thousand others must not push out the
     * envelope's address (a plus-address's token with it) */
    if (o != NULL && o->envelope != NULL) {
        char *env = xstrdup(o->envelope), *save = NULL, *t;

        for (t = strtok_r(env, " \t,", &save); t != NULL; t = strtok_r(NULL, " \t,", &save))
            strv_add_addr(rcpt, t);
        free(env);
    }
    header_addrs(rcpt, obj, "Delivered-To");
    header_addrs(rcpt, obj, "X-Original-To");
    header_addrs(rcpt, obj, "Envelope-To");
    list_addrs(rcpt, g_mime_message_get_to(msg));
    list_addrs(rcpt, g_mime_message_get_cc(msg));
    angle_addrs(rcpt, g_mime_object_get_header(obj, "To"));
    angle_addrs(rcpt, g_mime_object_get_header(obj, "Cc"));
    m->recipients = join_strv(rcpt);
    g_ptr_array_free(rcpt, TRUE);
    {
        GMimeHeader *h =
            g_mime_header_list_get_header(g_mime_object_get_header_list(obj), "Subject");
        const char *raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;
        char *s = NULL;

        if (raw != NULL && strnlen(raw, DECODE_WORDS_MAX) < DECODE_WORDS_MAX) {
            s = decode_words(raw, 0);
            g_strchug(s); /* the space after the colon */
            m->subject = mail_clean(s, strlen(s), 1);
        } else {
            /* longer than decode_words reads (it is cut at 4,000 bytes anyway): GMime's own
             * decoding, which reads it whole */
            const char *g = g_mime_message_get_subject(msg);

            m->subject = mail_clean(g != NULL ? g : "", g != NULL ? strlen(g) : 0, 1);
        }
        free(s);
    }
    dt = g_mime_message_get_date(msg);
    if (dt != NULL) {
        gint64 secs = g_date_time_to_unix(dt);

        /* a Date before 1980 or days ahead is a broken clock: no date rather than a wrong one */
        if (secs >= 315532800 && secs <= (gint64)time(NULL) + 2 * 86400) {
            m->has_date = 1;
            m->date = secs * 1000000 + g_date_time_get_microsecond(dt);
        }
    }
    m->autoclass = classify(msg, m->from_addr, o);
    if (m->autoclass == MAIL_BOUNCE && m->in_reply_to == NULL)
        m->in_reply_to = returned_msgid(msg);

    memset(&w, 0, sizeof w);
    w.o = o;
    w.body = g_string_new(NULL);
    w.att = g_ptr_array_new();
    w.unread = g_ptr_array_new_with_free_func(free);
    walk(&w, g_mime_message_get_mime_part(msg));
    if (w.body->len == 0)
        unread_text(&w);
    if (w.body->len == 0 && w.att->len == 0 &&
        GMIME_IS_MULTIPART(g_mime_message_get_mime_part(msg)) && body_at >= 0 &&
        (guint)body_at < ba->len) {
        /* a multipart whose boundary is missing or wrong has no part to be found: its text is
         * the body as written, rather than nothing */
        char *t = mail_clean((const char *)ba->data + body_at, ba->len - (guint)body_at, 0);

        body_add(&w, t);
        free(t);
    }
    if (w.body->len == 0 && w.att->len > 0) {
        /* files and no text (a scanner's PDF): the text says so, and which, so that the
         * ticket or timeline entry it makes is not blank */
        GString *t = g_string_new("(no text, only ");
        guint i;

        g_string_append(t, w.att->len == 1 ? "a file: " : "files: ");
        for (i = 0; i < w.att->len && i < 10; i++) {
            const struct mail_attachment *a = g_ptr_array_index(w.att, i);

            g_string_append_printf(t, "%s%s", i > 0 ? ", " : "", a->name);
        }
        if (w.att->len > 10)
            g_string_append_printf(t, " and %u more", w.att->len - 10);
        g_string_append(t, ")");
        body_add(&w, t->str);
        g_string_free(t, TRUE);
    }
    m->body = g_string_free(w.body, FALSE);
    m->natt = (int)w.att->len;
    if (m->natt > 0) {
        guint i;

        m->att = xcalloc((size_t)m->natt, sizeof *m->att);
        for (i = 0; i < w.att->len; i++) {
            struct mail_attachment *a = g_ptr_array_index(w.att, i);

            m->att[i] = *a;
            free(a);
        }
    }
    g_ptr_array_free(w.att, TRUE);
    g_ptr_array_free(w.unread, TRUE);
    g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);
    return m;
}

void
mail_msg_free(struct mail_msg **mp)
{
    struct mail_msg *m;
    int i;

    if (mp == NULL || *mp == NULL)
        return;
    m = *mp;
    free(m->message_id);
    free(m->in_reply_to);
    free(m->references);
    free(m->from_addr);
    free(m->from_name);
    free(m->reply_to);
    free(m->to);
    free(m->cc);
    free(m->recipients);
    free(m->subject);
    free(m->body);
    for (i = 0; i < m->natt; i++) {
        free(m->att[i].name);
        free(m->att[i].type);
        free(m->att[i].content);
    }
    free(m->att);
    free(m);
    *mp = NULL;
}
