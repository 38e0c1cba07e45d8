/* A disk that fills up, for tests of what a full disk does (tests/full_disk.py builds and uses it).

   LD_PRELOAD'ed into a process, it makes every write that would grow a file under
   $TRIALS_TEST_FULL_DIR fail with ENOSPC once the process has grown files there by
   $TRIALS_TEST_FULL_BYTES bytes in all, and statvfs() of that directory report what is left.
   Writes that overwrite bytes a file already has cost nothing, as on a real disk.

   The calls are the C library's, which SQLite, Python and Rust's std (tantivy) all go through,
   so each sees the failure where a real full disk would show it. Mounting a small tmpfs does the
   same more exactly, but needs a privilege a CI container usually lacks. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static char dir[PATH_MAX];
static size_t dir_len;
static long long budget = -1; /* -1: not configured, every call passes through */
static long long used;

__attribute__((constructor)) static void configure(void) {
    const char *d = getenv("TRIALS_TEST_FULL_DIR");
    const char *b = getenv("TRIALS_TEST_FULL_BYTES");
    if (d == NULL || b == NULL || strlen(d) == 0 || strlen(d) >= sizeof dir) return;
    strcpy(dir, d);
    dir_len = strlen(dir);
    while (dir_len > 1 && dir[dir_len - 1] == '/') dir[--dir_len] = '\0';
    budget = atoll(b);
}

#define REAL(name)                                                                          \
    static __typeof__(name) *real_##name;                                                   \
    if (real_##name == NULL) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

static int under_dir(const char *path) {
    return strncmp(path, dir, dir_len) == 0 && (path[dir_len] == '/' || path[dir_len] == '\0');
}

static int watched(int fd) {
    char link[64], target[PATH_MAX];
    if (budget < 0) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return 0;
    target[n] = '\0';
    return under_dir(target);
}

/* 0 if `n` bytes at `offset` (-1: the file position) may be written to `fd`, else -1 with ENOSPC. */
static int charge(int fd, long long offset, long long n) {
    struct stat st;
    if (n <= 0 || !watched(fd) || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if (offset < 0) {
        int flags = fcntl(fd, F_GETFL);
        offset = (flags >= 0 && (flags & O_APPEND)) ? (long long)st.st_size : (long long)lseek(fd, 0, SEEK_CUR);
        if (offset < 0) return 0;
    }
    long long growth = offset + n - (long long)st.st_size;
    if (growth <= 0) return 0;
    if (__atomic_add_fetch(&used, growth, __ATOMIC_SEQ_CST) > budget) {
        __atomic_sub_fetch(&used, growth, __ATOMIC_SEQ_CST);
        errno = ENOSPC;
        return -1;
    }
    return 0;
}

static long long iov_bytes(const struct iovec *iov, int count) {
    long long n = 0;
    for (int i = 0; i < count; i++) n += (long long)iov[i].iov_len;
    return n;
}

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write);
    if (charge(fd, -1, (long long)n)) return -1;
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) {
    REAL(pwrite);
    if (charge(fd, offset, (long long)n)) return -1;
    return real_pwrite(fd, buf, n, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t offset) {
    REAL(pwrite64);
    if (charge(fd, offset, (long long)n)) return -1;
    return real_pwrite64(fd, buf, n, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
    REAL(writev);
    if (charge(fd, -1, iov_bytes(iov, count))) return -1;
    return real_writev(fd, iov, count);
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset) {
    REAL(pwritev);
    if (charge(fd, offset, iov_bytes(iov, count))) return -1;
    return real_pwritev(fd, iov, count, offset);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int count, off64_t offset) {
    REAL(pwritev64);
    if (charge(fd, offset, iov_bytes(iov, count))) return -1;
    return real_pwritev64(fd, iov, count, offset);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int count, off_t offset, int flags) {
    REAL(pwritev2);
    if (charge(fd, offset, iov_bytes(iov, count))) return -1;
    return real_pwritev2(fd, iov, count, offset, flags);
}

int ftruncate(int fd, off_t length) {
    REAL(ftruncate);
    if (charge(fd, 0, length)) return -1;
    return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off64_t length) {
    REAL(ftruncate64);
    if (charge(fd, 0, length)) return -1;
    return real_ftruncate64(fd, length);
}

int fallocate(int fd, int mode, off_t offset, off_t length) {
    REAL(fallocate);
    if (charge(fd, offset, length)) return -1;
    return real_fallocate(fd, mode, offset, length);
}

int fallocate64(int fd, int mode, off64_t offset, off64_t length) {
    REAL(fallocate64);
    if (charge(fd, offset, length)) return -1;
    return real_fallocate64(fd, mode, offset, length);
}

int posix_fallocate(int fd, off_t offset, off_t length) {
    REAL(posix_fallocate);
    if (charge(fd, offset, length)) return ENOSPC; /* returns the error, and leaves errno alone */
    return real_posix_fallocate(fd, offset, length);
}

int posix_fallocate64(int fd, off64_t offset, off64_t length) {
    REAL(posix_fallocate64);
    if (charge(fd, offset, length)) return ENOSPC;
    return real_posix_fallocate64(fd, offset, length);
}

ssize_t sendfile(int out, int in, off_t *offset, size_t n) {
    REAL(sendfile);
    if (charge(out, -1, (long long)n)) return -1;
    return real_sendfile(out, in, offset, n);
}

ssize_t sendfile64(int out, int in, off64_t *offset, size_t n) {
    REAL(sendfile64);
    if (charge(out, -1, (long long)n)) return -1;
    return real_sendfile64(out, in, offset, n);
}

ssize_t copy_file_range(int in, off64_t *in_off, int out, off64_t *out_off, size_t n, unsigned int flags) {
    REAL(copy_file_range);
    if (charge(out, out_off ? *out_off : -1, (long long)n)) return -1;
    return real_copy_file_range(in, in_off, out, out_off, n, flags);
}

/* What is left of the budget, as the free space of the directory's disk. */
static void report_left(unsigned long block, fsblkcnt_t *avail, fsblkcnt_t *free_) {
    long long left = budget - __atomic_load_n(&used, __ATOMIC_SEQ_CST);
    fsblkcnt_t blocks = (fsblkcnt_t)((left > 0 ? left : 0) / (long long)(block ? block : 4096));
    if (blocks < *avail) *avail = blocks;
    if (blocks < *free_) *free_ = blocks;
}

static int path_watched(const char *path) {
    char resolved[PATH_MAX];
    return budget >= 0 && realpath(path, resolved) != NULL && under_dir(resolved);
}

int statvfs(const char *path, struct statvfs *buf) {
    REAL(statvfs);
    int done = real_statvfs(path, buf);
    if (done == 0 && path_watched(path)) report_left(buf->f_frsize, &buf->f_bavail, &buf->f_bfree);
    return done;
}

int statvfs64(const char *path, struct statvfs64 *buf) {
    REAL(statvfs64);
    int done = real_statvfs64(path, buf);
    if (done == 0 && path_watched(path)) report_left(buf->f_frsize, &buf->f_bavail, &buf->f_bfree);
    return done;
}

int fstatvfs(int fd, struct statvfs *buf) {
    REAL(fstatvfs);
    int done = real_fstatvfs(fd, buf);
    if (done == 0 && watched(fd)) report_left(buf->f_frsize, &buf->f_bavail, &buf->f_bfree);
    return done;
}

int fstatvfs64(int fd, struct statvfs64 *buf) {
    REAL(fstatvfs64);
    int done = real_fstatvfs64(fd, buf);
    if (done == 0 && watched(fd)) report_left(buf->f_frsize, &buf->f_bavail, &buf->f_bfree);
    return done;
}
