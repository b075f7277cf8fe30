/* Saving a received attachment to a file (:save-attachment N [PATH], D on a mail; docs/mail.md
 * §6a). The bytes are read as the reader may see them (RLS: an attachment is visible with its
 * record) in chunks, so the client's memory stays small whatever the size, and written to a
 * temporary file beside the target, which then takes the target's name: a file that exists is
 * replaced only after asking, and a file that appeared meanwhile is never replaced without
 * asking (link(2) refuses to). Tab completes the path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "reply.h"

#define CHUNK (256 * 1024)

/* The attachment being saved while the bottom line asks. */
static struct {
    int64_t id;
    int64_t size;
    char name[256];
    char path[PATH_MAX];
} saving;

/* A file name of the attachment's name: no directories, no control characters (C1 too: U+009B
 * is CSI to a terminal that lists the directory), not hidden. */
static void
safe_name(const char *name, char *out, size_t n)
{
    const char *slash = strrchr(name, '/');
    size_t i, k = 0;

    name = slash != NULL ? slash + 1 : name;
    if (name[0] == '.' || name[0] == '\0')
        k = (size_t)snprintf(out, n, "attachment");
    for (i = 0; name[i] != '\0' && k + 1 < n; i++) {
        unsigned char c = (unsigned char)name[i], c2 = (unsigned char)name[i + 1];

        if (c == 0xc2 && c2 >= 0x80 && c2 <= 0x9f) { /* C1, two bytes in UTF-8 */
            out[k++] = '_';
            i++;
            continue;
        }
        out[k++] = c < 0x20 || c == 0x7f ? '_' : name[i];
    }
    out[k < n ? k : n - 1] = '\0';
}

/* Write the attachment to a new temporary file in dir; its name into tmp. 0, or -1 with err. */
static int
write_tmp(struct app *app, const char *dir, char *tmp, size_t n, struct ccrm_err *err)
{
    int64_t off = 0;
    mode_t mask;
    int fd;

    snprintf(tmp, n, "%s/.ccrm-attachment-XXXXXX", dir);
    if ((fd = mkstemp(tmp)) == -1) {
        err_set(err, "could not create a file in %s: %s", dir, strerror(errno));
        return -1;
    }
    mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask); /* as any new file of the user's, not mkstemp's 0600 */
    while (off < saving.size) {
        unsigned char *buf;
        size_t got, done = 0;

        if (db_mail_attachment_chunk(app->db, saving.id, off, CHUNK, &buf, &got, err) == -1)
            goto fail;
        if (got == 0) {
            free(buf);
            err_set(err, "the attachment is shorter than its size");
            goto fail;
        }
        while (done < got) {
            ssize_t w = write(fd, buf + done, got - done);

            if (w == -1 && errno == EINTR)
                continue;
            if (w == -1) {
                err_set(err, "could not write %s: %s", tmp, strerror(errno));
                free(buf);
                goto fail;
            }
            done += (size_t)w;
        }
        free(buf);
        off += (int64_t)got;
    }
    if (fsync(fd) == -1 || close(fd) == -1) {
        err_set(err, "could not write %s: %s", tmp, strerror(errno));
        fd = -1;
        goto fail;
    }
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

static void
save_to(struct app *app, int replace)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 32], size[32];
    const char *slash = strrchr(saving.path, '/');
    struct ccrm_err err;

    if (slash == NULL)
        str_copy(dir, ".", sizeof dir);
    else if (slash == saving.path)
        str_copy(dir, "/", sizeof dir);
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - saving.path), saving.path);
    if (write_tmp(app, dir, tmp, sizeof tmp, &err) == -1) {
        ui_message_error(app, "could not save attachment %" PRId64 ": %s", saving.id, err.msg);
        return;
    }
    if (replace) {
        if (rename(tmp, saving.path) == -1) {
            ui_message_error(app, "could not save attachment %" PRId64 " as %s: %s", saving.id,
                             saving.path, strerror(errno));
            unlink(tmp);
            return;
        }
    } else if (link(tmp, saving.path) == -1) {
        /* EEXIST: it appeared since we asked; never replaced without asking */
        ui_message_error(app, "could not save attachment %" PRId64 " as %s: %s%s", saving.id,
                         saving.path, strerror(errno),
                         errno == EEXIST ? " (nothing replaced: save it again to be asked)" : "");
        unlink(tmp);
        return;
    } else {
        unlink(tmp);
    }
    mail_size_text(saving.size, size, sizeof size);
    ui_message(app, "saved attachment %" PRId64 " (%s, %s) as %s", saving.id, saving.name, size,
               saving.path);
}

/* "replace it? (y/n)" takes one key, as it looks: y replaces, any other key (n, Esc, Enter)
 * leaves the file. */
static void
on_replace(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (ui_ask_key(app, text, done, ok, NULL) != 'y') {
        ui_message(app, "not saved: %s is left as it was", saving.path);
        return;
    }
    save_to(app, 1);
}

/* The path as typed: ~ is the home directory, a directory gets the attachment's name. */
static int
take_path(struct app *app, const char *typed)
{
    const char *home = getenv("HOME");
    char safe[256], *p = xstrdup(typed);
    struct stat st;

    str_trim(p);
    if (p[0] == '\0') {
        free(p);
        ui_message(app, "not saved: no file name");
        return -1;
    }
    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0') && home != NULL)
        snprintf(saving.path, sizeof saving.path, "%s%s", home, p + 1);
    else
        str_copy(saving.path, p, sizeof saving.path);
    free(p);
    if (stat(saving.path, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t len = strlen(saving.path);

        safe_name(saving.name, safe, sizeof safe);
        snprintf(saving.path + len, sizeof saving.path - len, "%s%s",
                 len > 0 && saving.path[len - 1] == '/' ? "" : "/", safe);
    }
    return 0;
}

static void
save_or_ask(struct app *app)
{
    struct stat st;
    char label[64];

    if (lstat(saving.path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ui_message_error(app, "%s is a directory", saving.path);
            return;
        }
        ui_message_for(app, 600000, "%s exists", saving.path);
        snprintf(label, sizeof label, "replace it with %.30s? (y/n) ", saving.name);
        ui_input_begin(app, label, "", on_replace, NULL);
        return;
    }
    save_to(app, 0);
}

static void
on_path(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!done)
        return;
    if (!ok) {
        ui_message(app, "not saved");
        return;
    }
    if (take_path(app, text) == 0)
        save_or_ask(app);
}

void
attach_save(struct app *app, int64_t id, const char *path)
{
    struct ccrm_err err;
    char *name = NULL, safe[256], cwd[PATH_MAX], init[PATH_MAX + 256], size[32];
    int64_t bytes = 0;
    int kept = 0, rc;

    if (db_state(app->db) != DB_READY) {
        ui_message_error(app, "offline: attachments are read from the database");
        return;
    }
    rc = db_mail_attachment(app->db, id, &name, &bytes, &kept, &err);
    if (rc == -1) {
        ui_message_error(app, "could not read attachment %" PRId64 ": %s", id, err.msg);
        return;
    }
    if (rc == 0) {
        ui_message_error(app, "no attachment %" PRId64 " (or not one you may see)", id);
        return;
    }
    mail_size_text(bytes, size, sizeof size);
    if (!kept) {
        ui_message_error(app,
                         "attachment %" PRId64 " (%s, %s) was not kept: it was larger than "
                         "[mail] attachment_max when it came; only its name, type and size are "
                         "stored",
                         id, name, size);
        free(name);
        return;
    }
    memset(&saving, 0, sizeof saving);
    saving.id = id;
    saving.size = bytes;
    str_copy(saving.name, name, sizeof saving.name);
    free(name);
    if (path != NULL) {
        if (take_path(app, path) == 0)
            save_or_ask(app);
        return;
    }
    safe_name(saving.name, safe, sizeof safe);
    if (getcwd(cwd, sizeof cwd) == NULL)
        str_copy(cwd, ".", sizeof cwd);
    snprintf(init, sizeof init, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", safe);
    ui_message_for(app, 600000, "attachment %" PRId64 ": %s, %s (Tab completes the path)", id,
                   saving.name, size);
    ui_input_begin(app, "save as: ", init, on_path, NULL);
    ui_input_complete(app, UI_COMPLETE_FILES);
}
