// The compiled bodies of Boost.Asio (with its OpenSSL layer) and Boost.Beast (separate
// compilation, ADR 0002).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
