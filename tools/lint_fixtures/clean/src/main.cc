#include "app/app.h"

int main() { return demo::app::Run(); }
