// atrium: argv goes to the command line; everything else lives in the libraries.
#include "cli/cli.h"

int main(int argc, char** argv) { return atrium::cli::Run(argc, argv); }
