/*
 * fuzz_main.c: replays fuzz inputs without a fuzzing engine, as a normal
 * test: every file of every folder named on the command line goes through
 * LLVMFuzzerTestOneInput() once (libvips' StandaloneFuzzTargetMain.c does
 * the same).  A crash or a broken invariant aborts the test.
 */
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static guint
replay_dir(const char *dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
	const char *name;
	guint n = 0;

	if (d == NULL) {
		g_printerr("fuzz_main: %s\n", error->message);
		return 0;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *data = NULL;
		gsize len = 0;

		if (g_file_test(path, G_FILE_TEST_IS_DIR) ||
		    !g_file_get_contents(path, &data, &len, NULL))
			continue;
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		n++;
	}
	return n;
}

int
main(int argc, char **argv)
{
	guint n = 0;

	for (int i = 1; i < argc; i++)
		n += replay_dir(argv[i]);
	printf("1..1\n%s 1 - replayed %u inputs\n", n > 0 ? "ok" : "not ok", n);
	return n > 0 ? 0 : 1;
}
