/* HTML mail as readable text (mail_html_to_text): libxml2's forgiving HTML parser builds the
 * tree, and a walk writes its text the way a person reads it: block elements on lines of their
 * own with at most one empty line between them, <br> as a line break, list items with "- ",
 * blockquotes (quoted earlier mails) with "> ", links as "text <url>", images by their alt
 * text, <pre> as it is, scripts, styles and the head left out. Whitespace folds as a browser
 * folds it. No libpq, no curses. */
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "mail_int.h"

struct out {
    GString *s;
    int newlines;   /* newlines owed before the next text (0, 1 or 2) */
    int space;      /* a space is owed before the next word */
    int quote;      /* blockquote depth: "> " per level at each line start */
    int owed_quote; /* the depth where the owed line breaks began (their empty lines' "> ") */
    int pre;        /* inside <pre> */
    int at_start;   /* nothing written yet */
    int depth;      /* elements open around the one walked */
};

/* Sloppy HTML nests deep (a generator's 300 unclosed <font>): libxml2 reads any depth when
 * asked (XML_PARSE_HUGE; it stops at 256 otherwise and the text after is lost). The walk
 * below recurses, so deeper than this an element's text is taken whole, without layout. */
#define MAX_WALK_DEPTH 512

static int
is_name(const xmlNode *n, const char *name)
{
    return n->name != NULL && strcasecmp((const char *)n->name, name) == 0;
}

static int
is_any(const xmlNode *n, const char *const *names)
{
    for (; *names != NULL; names++)
        if (is_name(n, *names))
            return 1;
    return 0;
}

static void
line_start(struct out *o)
{
    int i;

    for (i = 0; i < o->quote; i++)
        g_string_append(o->s, "> ");
}

/* Owe n line breaks (they are written only before more text, so the end stays clean). */
static void
owe(struct out *o, int n)
{
    if (o->newlines == 0)
        o->owed_quote = o->quote;
    else if (o->quote < o->owed_quote)
        o->owed_quote = o->quote;
    if (!o->at_start && n > o->newlines)
        o->newlines = n;
    o->space = 0;
}

static void
flush_breaks(struct out *o)
{
    int i;

    if (o->newlines > 0) {
        for (i = 0; i < o->newlines; i++) {
            if (i > 0) { /* an empty line inside a quote keeps its "> ", one around it not */
                int q = o->quote;

                o->quote = o->owed_quote < q ? o->owed_quote : q;
                line_start(o);
                o->quote = q;
            }
            g_string_append_c(o->s, '\n');
        }
        line_start(o);
        o->newlines = 0;
        o->space = 0;
    } else if (o->at_start) {
        line_start(o);
    }
}

static void
text(struct out *o, const char *t)
{
    const char *p;

    if (o->pre) {
        for (p = t; *p != '\0'; p++) {
            if (o->at_start || o->newlines > 0) {
                flush_breaks(o);
                o->at_start = 0;
            }
            if (*p == '\n') {
                o->newlines = 1;
                continue;
            }
            if (*p != '\r')
                g_string_append_c(o->s, *p);
        }
        return;
    }
    for (p = t; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        /* HTML whitespace, and U+00A0 (&nbsp;, C2 A0) too: in mail it pads empty paragraphs
         * and indents, which read better folded */
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            (c == 0xc2 && (unsigned char)p[1] == 0xa0)) {
            if (c == 0xc2)
                p++;
            if (!o->at_start && o->newlines == 0)
                o->space = 1;
            continue;
        }
        if (o->at_start || o->newlines > 0) {
            flush_breaks(o);
            o->at_start = 0;
        } else if (o->space) {
            g_string_append_c(o->s, ' ');
        }
        o->space = 0;
        g_string_append_c(o->s, (char)c);
    }
}

static void walk(struct out *o, xmlNode *n);

static void
children(struct out *o, xmlNode *n)
{
    xmlNode *c;

    if (o->depth >= MAX_WALK_DEPTH) {
        xmlChar *t = xmlNodeGetContent(n); /* libxml2 walks it without recursion */

        if (t != NULL)
            text(o, (const char *)t);
        xmlFree(t);
        return;
    }
    o->depth++;
    for (c = n->children; c != NULL; c = c->next)
        walk(o, c);
    o->depth--;
}

static char *
node_text(xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = xstrdup(t != NULL ? (const char *)t : "");

    xmlFree(t);
    return s;
}

static void
walk(struct out *o, xmlNode *n)
{
    static const char *const skip[] = {"head",     "script", "style", "title", "template",
                                       "noscript", "object", "svg",   NULL};
    static const char *const blocks[] = {
        "p",       "div",    "table",  "ul",      "ol",      "dl",       "h1",
        "h2",      "h3",     "h4",     "h5",      "h6",      "form",     "section",
        "article", "header", "footer", "address", "center",  "fieldset", "figure",
        "main",    "nav",    "aside",  "details", "summary", NULL};
    static const char *const lines[] = {"tr", "dt", "dd", "caption", NULL};

    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content != NULL)
            text(o, (const char *)n->content);
        return;
    }
    if (n->type != XML_ELEMENT_NODE) {
        if (n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE)
            children(o, n);
        return;
    }
    if (is_any(n, skip))
        return;
    if (is_name(n, "br")) {
        if (!o->at_start)
            o->newlines = o->newlines < 2 ? o->newlines + 1 : 2;
        o->space = 0;
        return;
    }
    if (is_name(n, "hr")) {
        owe(o, 2);
        text(o, "----");
        owe(o, 2);
        return;
    }
    if (is_name(n, "img")) {
        xmlChar *alt = xmlGetProp(n, (const xmlChar *)"alt");

        if (alt != NULL && *alt != '\0') {
            text(o, " [");
            text(o, (const char *)alt);
            text(o, "] ");
        }
        xmlFree(alt);
        return;
    }
    if (is_name(n, "pre")) {
        owe(o, 2);
        o->pre++;
        children(o, n);
        o->pre--;
        owe(o, 2);
        return;
    }
    if (is_name(n, "blockquote")) {
        owe(o, 2);
        o->quote++;
        children(o, n);
        o->quote--;
        owe(o, 2);
        return;
    }
    if (is_name(n, "li")) {
        owe(o, 1);
        text(o, "-");
        o->space = 1;
        children(o, n);
        owe(o, 1);
        return;
    }
    if (is_name(n, "td") || is_name(n, "th")) {
        if (!o->at_start && o->newlines == 0)
            o->space = 1;
        children(o, n);
        if (!o->at_start && o->newlines == 0)
            o->space = 1;
        return;
    }
    if (is_name(n, "a")) {
        xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
        char *label = node_text(n);

        children(o, n);
        if (href != NULL &&
            (g_ascii_strncasecmp((const char *)href, "http:", 5) == 0 ||
             g_ascii_strncasecmp((const char *)href, "https:", 6) == 0) &&
            strstr(label, (const char *)href) == NULL) {
            text(o, " <");
            text(o, (const char *)href);
            text(o, ">");
        }
        free(label);
        xmlFree(href);
        return;
    }
    if (is_any(n, blocks)) {
        owe(o, 2);
        children(o, n);
        owe(o, 2);
        return;
    }
    if (is_any(n, lines)) {
        owe(o, 1);
        children(o, n);
        owe(o, 1);
        return;
    }
    children(o, n);
}

char *
mail_html_to_text(const char *html, size_t n)
{
    struct out o;
    htmlDocPtr doc;
    char *res;

    memset(&o, 0, sizeof o);
    o.s = g_string_new(NULL);
    o.at_start = 1;
    if (n > 0 && n < (size_t)G_MAXINT) {
        doc = htmlReadMemory(html, (int)n, NULL, "UTF-8",
                             HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT |
                                 XML_PARSE_HUGE);
        if (doc != NULL) {
            walk(&o, (xmlNode *)doc);
            xmlFreeDoc(doc);
        }
    }
    res = mail_clean(o.s->str, o.s->len, 0);
    g_string_free(o.s, TRUE);
    return res;
}
