/* A static program that says who it is once, then sleeps until killed.
 *
 * The lab builds it twice: as the image's own /usr/bin/lab-tool, and with a different
 * LAB_TOOL_NAME and LAB_TOOL_PADDING as the "payload" dropped into containers, so the two never
 * hash alike nor have the same size.
 * Busybox cannot play this part: it dispatches on its own name and exits when renamed. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#ifndef LAB_TOOL_NAME
#define LAB_TOOL_NAME "lab-tool"
#endif
#ifndef LAB_TOOL_PADDING
#define LAB_TOOL_PADDING 1
#endif

/* Sizes the two builds apart: an overwritten file with the same size, mode and mtime as the
 * image's looks unchanged to a metadata-only diff (Docker's naive diff). */
static const char padding[LAB_TOOL_PADDING] __attribute__((used)) = { 1 };

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
    (void)argc;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("%s: running as %s, pid %d\n", LAB_TOOL_NAME, argv[0], (int)getpid());
    fflush(stdout);
    while (!stop)
        pause();
    return 0;
}
