/* A file attached to an answer (`:attach` in the client's reply form, `ccrm --reply --attach`):
 * the path as a shell would take it ("~/" is the home directory), read whole when it is a
 * readable regular file no larger than the limit incoming attachments are kept up to
 * ([mail] attachment_max); its name without directories; its media type from the name's
 * extension (application/octet-stream for any other). The bytes go to ccrm_mail_reply(), which
 * stores them as a document's PDF is stored, and the outbox sends them in base64. No libpq, no
 * curses, no GMime. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"

/* The media types of common extensions; everything else is application/octet-stream. */
static const struct {
    const char *ext, *type;
} types[] = {
    {"7z", "application/x-7z-compressed"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"bz2", "application/x-bzip2"},
    {"csv", "text/csv"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"eml", "message/rfc822"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"heic", "image/heic"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ics", "text/calendar"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"json", "application/json"},
    {"log", "text/plain"},
    {"md", "text/markdown"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"rtf", "application/rtf"},
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"txt", "text/plain"},
    {"vcf", "text/vcard"},
    {"wav", "audio/wav"},
    {"webp", "image/webp"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"xml", "application/xml"},
    {"zip", "application/zip"},
};

const char *
mail_type_for_name(const char *name)
{
    const char *dot = name != NULL ? strrchr(name, '.') : NULL;
    size_t i;

    if (dot == NULL || dot == name || dot[1] == '\0')
        return "application/octet-stream";
    for (i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot + 1, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

void
mail_size_text(int64_t n, char *buf, size_t len)
{
    if (n < 1024)
        snprintf(buf, len, "%" PRId64 " bytes", n);
    else if (n < 1024 * 1024)
        snprintf(buf, len, "%.1f KB", (double)n / 1024);
    else
        snprintf(buf, len, "%.1f MB", (double)n / (1024 * 1024));
}

/* A file's name as the mail says it: its bytes that are not UTF-8 (a name from a Latin-1
 * file system, "caf\xe9.txt") each as U+FFFD, so that the answer is not refused for it */
static char *
name_text(const char *base)
{
    size_t n = strlen(base), i = 0, o = 0, k;
    char *out = xmalloc(3 * n + 1);
    uint32_t cp;

    while (i < n) {
        if ((k = utf8_decode(base + i, n - i, &cp)) > 0) {
            memcpy(out + o, base + i, k);
            o += k;
            i += k;
        } else {
            o += utf8_encode(0xFFFD, out + o);
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

int
mail_attach_file(const char *path, size_t max, struct mail_attachment *a, struct ccrm_err *err)
{
    const char *home = getenv("HOME"), *base;
    char *full, *buf = NULL, have[32], limit[32];
    struct stat st;
    size_t n = 0;
    struct ccrm_err rerr;

    memset(a, 0, sizeof *a);
    while (*path == ' ')
        path++;
    if (*path == '\0') {
        err_set(err, "could not attach a file: no path given");
        return -1;
    }
    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home != NULL && *home != '\0')
        full = xasprintf("%s%s", home, path + 1);
    else
        full = xstrdup(path);
    if (stat(full, &st) == -1) {
        err_set(err, "could not attach \"%s\": %s", full, strerror(errno));
        free(full);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, "could not attach \"%s\": %s", full,
                S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file");
        free(full);
        return -1;
    }
    mail_size_text(st.st_size, have, sizeof have);
    mail_size_text((int64_t)max, limit, sizeof limit);
    if ((uint64_t)st.st_size > (uint64_t)max) {
        err_set(err, "could not attach \"%s\": %s is more than the %s of [mail] attachment_max",
                full, have, limit);
        free(full);
        return -1;
    }
    if (mail_read_file(full, max, &buf, &n, &rerr) == -1) {
        /* mail_read_file says "could not open ...: Permission denied" or that it grew */
        if (strstr(rerr.msg, "larger than") != NULL)
            err_set(err, "could not attach \"%s\": it is more than the %s of [mail] attachment_max",
                    full, limit);
        else
            err_set(err, "could not attach \"%s\": %s", full,
                    strchr(rerr.msg, ':') != NULL ? strrchr(rerr.msg, ':') + 2 : rerr.msg);
        free(full);
        return -1;
    }
    base = strrchr(full, '/');
    base = base != NULL ? base + 1 : full;
    a->name = name_text(base);
    a->type = xstrdup(mail_type_for_name(base));
    a->size = n;
    a->content = buf != NULL ? buf : xstrdup("");
    free(full);
    return 0;
}

void
mail_attachment_fini(struct mail_attachment *a)
{
    free(a->name);
    free(a->type);
    free(a->content);
    memset(a, 0, sizeof *a);
}
