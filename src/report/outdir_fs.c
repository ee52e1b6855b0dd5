/* outdir_fs: the output commit's contact with the file system: numbered
 * fault points (compiled in only with COSTSIM_FAULT_INJECTION), wrappers of
 * the system calls that go through them, and small path and text helpers.
 * See outdir.c for what they serve. */
#define _XOPEN_SOURCE 700
#include "outdir_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* ---- Fault points --------------------------------------------------------- */

#ifdef COSTSIM_FAULT_INJECTION
static long fault_at, fault_count;
static int fault_fired_flag;
static void (*fault_observer)(const char *op, const char *what, long number);

void cs_outdir_fault_arm(long fail_at,
                         void (*observer)(const char *op, const char *what, long number))
{
    fault_at = fail_at;
    fault_count = 0;
    fault_fired_flag = 0;
    fault_observer = observer;
}

long cs_outdir_fault_count(void) { return fault_count; }

int cs_outdir_fault_fired(void) { return fault_fired_flag; }

/* 1 (errno set) when this call is the one to fail. */
int cs_outdir_fault(const char *op, const char *what)
{
    long n = ++fault_count;
    if (fault_observer)
        fault_observer(op, what ? what : "", n);
    if (fault_at > 0 && n == fault_at) {
        fault_fired_flag = 1;
        errno = strcmp(op, "write") == 0 ? ENOSPC : EIO;
        return 1;
    }
    return 0;
}

static long signal_at;

static void signal_observer(const char *op, const char *what, long number)
{
    (void)op;
    (void)what;
    if (number == signal_at)
        raise(SIGTERM);
}

void cs_outdir_fault_from_environment(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    const char *at = getenv("COSTSIM_FAULT_AT");
    const char *signal = getenv("COSTSIM_FAULT_SIGTERM_AT");
    signal_at = signal ? atol(signal) : 0;
    if (at || signal)
        cs_outdir_fault_arm(at ? atol(at) : 0, signal ? signal_observer : NULL);
}
#else
void cs_outdir_fault_from_environment(void) {}
#endif

/* ---- Wrapped system calls ------------------------------------------------- */

int cs_outdir_x_openat(int dfd, const char *name, int flags, const char *what)
{
    if (FAULT("open", what))
        return -1;
    return openat(dfd, name, flags | O_CLOEXEC, 0666);
}

int cs_outdir_x_close(int fd, const char *what)
{
    if (fd < 0)
        return 0;
    int rc = close(fd);
    if (FAULT("close", what))
        return -1;
    return rc;
}

int cs_outdir_x_fsync(int fd, const char *what)
{
    if (FAULT("fsync", what))
        return -1;
    /* EINVAL: the file does not support syncing (not a regular file). */
    if (fsync(fd) != 0 && errno != EINVAL)
        return -1;
    return 0;
}

int cs_outdir_x_renameat(int from_dfd, const char *from, int to_dfd, const char *to,
                      const char *what)
{
    if (FAULT("rename", what))
        return -1;
    return renameat(from_dfd, from, to_dfd, to);
}

int cs_outdir_x_unlinkat(int dfd, const char *name, int flags, const char *what)
{
    if (FAULT("unlink", what))
        return -1;
    return unlinkat(dfd, name, flags);
}

int cs_outdir_x_mkdirat(int dfd, const char *name, const char *what)
{
    if (FAULT("mkdir", what))
        return -1;
    return mkdirat(dfd, name, 0777);
}

char *cs_outdir_x_mkdtemp(char *template)
{
    if (FAULT("mkdir", template))
        return NULL;
    return mkdtemp(template);
}

int cs_outdir_x_flock(int fd, const char *what)
{
    if (FAULT("lock", what))
        return -1;
    return flock(fd, LOCK_EX | LOCK_NB);
}

int cs_outdir_write_all(int fd, const char *buf, size_t n, const char *what)
{
    if (FAULT("write", what))
        return -1;
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- Small helpers -------------------------------------------------------- */

char *cs_outdir_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    int slash = n > 0 && dir[n - 1] != '/';
    char *out = malloc(n + (size_t)slash + strlen(name) + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, n);
    if (slash)
        out[n++] = '/';
    strcpy(out + n, name);
    return out;
}

/* The directory part of path ("." when none, "/" for "/x"). */
char *cs_outdir_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

const char *cs_outdir_base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int cs_outdir_reserved_name(const char *base)
{
    return strncmp(base, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0 || strcmp(base, LOCK_NAME) == 0;
}


/* The magic number of procfs in statfs's f_type (linux/magic.h). */
#define PROC_FS_MAGIC 0x9fa0

/* Whether the directory holding path (relative to dfd) is on procfs. */
static int in_proc(int dfd, const char *path)
{
    char *dir = cs_outdir_dir_of(path);
    int fd = dir ? openat(dfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    struct statfs sf;
    int proc = fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == PROC_FS_MAGIC;
    if (fd >= 0)
        close(fd);
    free(dir);
    return proc;
}

/* What a file of this mode that is not a regular file is; linked: what
 * a link to it is. */
static const char *kind_of(mode_t mode, int linked)
{
    static const char *const kinds[][2] = {
        {"a directory", "a link to a directory"}, {"a device", "a link to a device"},
        {"a FIFO", "a link to a FIFO"},           {"a socket", "a link to a socket"},
        {"a special file", "a link to a special file"},
    };
    int k = 4;
    if (S_ISDIR(mode))
        k = 0;
    else if (S_ISCHR(mode) || S_ISBLK(mode))
        k = 1;
    else if (S_ISFIFO(mode))
        k = 2;
    else if (S_ISSOCK(mode))
        k = 3;
    return kinds[k][linked];
}

const char *cs_outdir_unreplaceable(int dfd, const char *path)
{
    struct stat st;
    if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISREG(st.st_mode))
        return NULL;
    if (!S_ISLNK(st.st_mode))
        return kind_of(st.st_mode, 0);
    /* Walk the chain of links hop by hop (at most 40, as the kernel does),
     * each relative target taken from its own link's directory. */
    char *cur = strdup(path);
    int proc = 0;
    for (int hop = 0; cur && hop < 40; hop++) {
        if (fstatat(dfd, cur, &st, AT_SYMLINK_NOFOLLOW) != 0)
            break; /* dangling */
        if (in_proc(dfd, cur)) {
            proc = 1; /* /proc/self/fd/1, or a file such as /proc/self/environ */
            break;
        }
        if (!S_ISLNK(st.st_mode))
            break;
        char target[4096];
        ssize_t n = readlinkat(dfd, cur, target, sizeof target - 1);
        if (n <= 0)
            break;
        target[n] = '\0';
        char *next;
        if (target[0] == '/') {
            next = strdup(target);
        } else {
            char *dir = cs_outdir_dir_of(cur);
            next = dir ? cs_outdir_join(dir, target) : NULL;
            free(dir);
        }
        free(cur);
        cur = next;
    }
    free(cur);
    if (proc)
        return "a link into /proc (an open file of the process, such as standard output)";
    if (fstatat(dfd, path, &st, 0) != 0 || S_ISREG(st.st_mode))
        return NULL; /* a dangling link, or one to a regular file */
    return kind_of(st.st_mode, 1);
}

const char cs_outdir_lock_name[] = LOCK_NAME;

const char *cs_outdir_lock_unusable(const char *dir)
{
    char *path = cs_outdir_join(dir, LOCK_NAME);
    struct stat st;
    const char *why = NULL;
    if (path && fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode))
            why = "a symbolic link"; /* opened without following links */
        else if (!S_ISREG(st.st_mode))
            why = kind_of(st.st_mode, 0);
        else if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0)
            why = "a file this user cannot write";
    }
    free(path);
    return why;
}

void cs_outdir_buf_add(buffer *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->length + n + 1 > b->capacity) {
        size_t capacity = (b->length + n + 1) * 2;
        char *grown = realloc(b->text, capacity);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->text = grown;
        b->capacity = capacity;
    }
    memcpy(b->text + b->length, s, n);
    b->length += n;
    b->text[b->length] = '\0';
}

void cs_outdir_buf_str(buffer *b, const char *s) { cs_outdir_buf_add(b, s, strlen(s)); }

/* " <n>:<bytes>" */
void cs_outdir_buf_field(buffer *b, const char *s)
{
    char head[32];
    snprintf(head, sizeof head, " %zu:", strlen(s));
    cs_outdir_buf_str(b, head);
    cs_outdir_buf_str(b, s);
}
