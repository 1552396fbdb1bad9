#include "app/app.h"
#include "core/core.h"

int main() { return demo::app::Run(); }
