/*
 * header.c: compiled once per public header, with IMGOPT_HEADER naming it,
 * to prove that every header compiles alone (includes what it uses).
 */
#include IMGOPT_HEADER
#include IMGOPT_HEADER /* and that its include guard works */

int
main(void)
{
	return 0;
}
