/* `report`: a stored run as one self-contained HTML page. */
#include "die.h"
#include "sidecar.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	die(EXIT_USAGE, "report: not yet");
}
