/* greet: says hello to each name on its command line, then counts them.
 *
 *   $ greet Ada Grace
 *   Hello, Ada!
 *   Hello, Grace!
 *   2 names, 8 letters
 *
 * With no names it greets a stranger. Built with gcc -static, so it runs on
 * an empty (scratch) image.
 */
#include <ctype.h>
#include <stdio.h>

int main(int argc, char **argv) {
    int names = 0;
    long letters = 0;

    if (argc < 2) {
        puts("Hello, stranger!");
    }
    for (int i = 1; i < argc; i++) {
        printf("Hello, %s!\n", argv[i]);
        names++;
        for (const char *p = argv[i]; *p; p++) {
            if (isalpha((unsigned char)*p)) {
                letters++;
            }
        }
    }
    printf("%d name%s, %ld letter%s\n", names, names == 1 ? "" : "s", letters,
           letters == 1 ? "" : "s");
    return 0;
}
