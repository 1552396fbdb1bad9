// The compiled bodies of Boost.Asio and Boost.Beast (separate compilation, ADR 0002).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
