/* hog: a memory hog for the pure cgroup v2 scenario of scripts/qemu-v2.sh.
 *
 *   hog CGROUP_DIR HOLD_KIB GO_FILE
 *
 * Moves itself into CGROUP_DIR (writes its pid to cgroup.procs), allocates
 * and touches HOLD_KIB KiB of anonymous memory, prints
 * "hog: holding N KiB", then waits (polling every 50 ms) until GO_FILE
 * exists; then it allocates and touches 1 MiB more at a time, forever,
 * until the kernel kills it. Exit status: 0 never; 2 on a usage or setup
 * error; 3 when an allocation fails without a kill.
 *
 * Built static (gcc -static) by scripts/qemu-v2.sh so it runs inside the
 * VM's busybox-only initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void touch(char *p, size_t len) {
    long page = sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < len; i += (size_t)page)
        p[i] = (char)(i / (size_t)page + 1);
}

static char *grab(size_t len) {
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "hog: mmap %zu bytes: %s\n", len, strerror(errno));
        exit(3);
    }
    touch(p, len);
    return p;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: hog CGROUP_DIR HOLD_KIB GO_FILE\n");
        return 2;
    }
    char procs[4096];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", argv[1]);
    FILE *f = fopen(procs, "w");
    if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
        fprintf(stderr, "hog: cannot join %s: %s\n", procs, strerror(errno));
        return 2;
    }
    char *end;
    unsigned long hold_kib = strtoul(argv[2], &end, 10);
    if (*end != '\0' || hold_kib == 0) {
        fprintf(stderr, "hog: bad HOLD_KIB %s\n", argv[2]);
        return 2;
    }
    /* In steps of at most 1 MiB, each touched page by page. */
    size_t held = 0, want = hold_kib * 1024UL;
    while (held < want) {
        size_t step = want - held < (1UL << 20) ? want - held : (1UL << 20);
        grab(step);
        held += step;
    }
    printf("hog: holding %lu KiB\n", hold_kib);
    fflush(stdout);
    struct timespec pause = {0, 50 * 1000 * 1000};
    while (access(argv[3], F_OK) != 0)
        nanosleep(&pause, NULL);
    printf("hog: growing until killed\n");
    fflush(stdout);
    for (;;)
        grab(1UL << 20);
}
