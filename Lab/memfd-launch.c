/* Fileless execution, as malware does it: read a program from standard input into an
 * anonymous memfd, then fexecve it. Nothing touches the container's filesystem.
 *
 *   lab-memfd [NAME] < program
 *
 * The memfd is named NAME (default "lab-payload"), so the running process's executable is
 * "/memfd:NAME (deleted)" and Falco reports proc.exepath "memfd:NAME". The launcher forks,
 * so the caller (e.g. `docker exec -i`) returns while the program keeps running; the child
 * starts a new session and keeps the launcher's stdout and stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

extern char **environ;

static int copy_all(int from, int to) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(from, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
            off += w;
        }
    }
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "lab-payload";
    int fd = memfd_create(name, 0);
    if (fd < 0) { perror("memfd_create"); return 1; }
    if (copy_all(STDIN_FILENO, fd) != 0) { perror("copy"); return 1; }

    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid > 0) {
        printf("lab-memfd: started memfd:%s as pid %d\n", name, (int)pid);
        return 0;
    }
    setsid();
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) { dup2(devnull, STDIN_FILENO); close(devnull); }
    char *child_argv[] = { (char *)name, NULL };
    fexecve(fd, child_argv, environ);
    perror("fexecve");
    _exit(127);
}
