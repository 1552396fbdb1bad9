#include "pages/i18n.h"

#include <map>

#include "base/json.h"

namespace atrium::pages {
namespace {

// German texts; {name} is replaced by the message context's value of that key.
const std::map<int64_t, std::string>& German() {
  static const std::map<int64_t, std::string> texts = {
      {1010001, "Anmelden"},
      {1010003, "Bitte bestätige diese Aktion, indem du nachweist, dass du es bist."},
      {1010004, "Bitte schließe die zweite Authentifizierung ab."},
      {1010022, "Mit Passwort anmelden"},
      {1040001, "Registrieren"},
      {1040002, "Mit {provider} registrieren"},
      {1040005,
       "Wir haben einen Code an die angegebene(n) Adresse(n) gesendet. Falls keine Nachricht "
       "ankommt, prüfe die Schreibweise der Adresse und registriere dich erneut."},
      {1040006, "Registrierungscode senden"},
      {1040008, "Zurück"},
      {1040009, "Bitte wähle aus, wie du dich anmelden möchtest."},
      {1070001, "Passwort"},
      {1070004, "Kennung"},
      {1070007, "E-Mail"},
      {1070008, "Code erneut senden"},
      {1070009, "Weiter"},
      {1070011, "Bestätigungscode"},
      {1070012, "Registrierungscode"},
      {1080001,
       "Eine E-Mail mit einem Bestätigungslink wurde an die angegebene Adresse gesendet. Falls "
       "keine E-Mail ankommt, prüfe die Schreibweise der Adresse und verwende die Adresse, mit der "
       "du dich registriert hast."},
      {1080002, "Du hast deine E-Mail-Adresse erfolgreich bestätigt."},
      {1080003,
       "Eine E-Mail mit einem Bestätigungscode wurde an die angegebene Adresse gesendet. Falls "
       "keine E-Mail ankommt, prüfe die Schreibweise der Adresse und verwende die Adresse, mit der "
       "du dich registriert hast."},
      {4000001, "{reason}"},
      {4000002, "Die Angabe {property} fehlt."},
      {4000003, "Muss mindestens {min_length} Zeichen lang sein, ist aber {actual_length}."},
      {4000006,
       "Die Anmeldedaten sind ungültig. Bitte prüfe dein Passwort und deinen Benutzernamen, "
       "deine E-Mail-Adresse oder Telefonnummer auf Tippfehler."},
      {4000007,
       "Ein Konto mit dieser Kennung (E-Mail, Telefon, Benutzername, ...) existiert bereits."},
      {4000009, "Es wurden keine Anmeldekennungen gefunden."},
      {4000010, "Das Konto ist noch nicht aktiv. Hast du deine E-Mail-Adresse bestätigt?"},
      {4000017, "Darf höchstens {max_length} Zeichen lang sein, ist aber {actual_length}."},
      {4000028,
       "Du hast dich mit {credential_identifier_hint} registriert, das bereits zu einem anderen "
       "Konto gehört."},
      {4000031, "Das Passwort ist der Kennung zu ähnlich."},
      {4000032,
       "Das Passwort muss mindestens {min_length} Zeichen lang sein, ist aber {actual_length}."},
      {4000033,
       "Das Passwort darf höchstens {max_length} Zeichen lang sein, ist aber {actual_length}."},
      {4000034, "Das Passwort ist in Datenlecks aufgetaucht und darf nicht mehr verwendet werden."},
      {4000036, "Die Angaben stimmen nicht mit denen überein, an die der Code gesendet wurde."},
      {4000037, "Dieses Konto existiert nicht oder hat keine Anmeldemethode."},
      {4000040, "Bitte gib eine gültige E-Mail-Adresse ein."},
      {4000041, "Bitte gib eine gültige Telefonnummer ein."},
      {4010001, "Der Anmeldevorgang ist abgelaufen, bitte versuche es erneut."},
      {4010002, "Anmeldung nicht möglich. Hast du das Formular richtig ausgefüllt?"},
      {4010003, "Registrierung nicht möglich. Hast du das Formular richtig ausgefüllt?"},
      {4010006, "Bestätigung nicht möglich. Hast du das Formular richtig ausgefüllt?"},
      {4010011, "Dieses Konto wurde deaktiviert. Bitte wende dich an den Support."},
      {4040001, "Der Registrierungsvorgang ist abgelaufen, bitte versuche es erneut."},
      {4040003, "Der Registrierungscode ist ungültig oder wurde bereits verwendet."},
      {4070001,
       "Der Bestätigungslink ist ungültig oder wurde bereits verwendet. Bitte versuche es erneut."},
      {4070002,
       "Die Anfrage wurde bereits erfolgreich abgeschlossen und kann nicht wiederholt "
       "werden."},
      {4070005, "Der Bestätigungsvorgang ist abgelaufen, bitte versuche es erneut."},
      {4070006,
       "Der Bestätigungscode ist ungültig oder wurde bereits verwendet. Bitte versuche "
       "es erneut."},
  };
  return texts;
}

const std::map<std::string, std::pair<std::string, std::string>>& Chrome() {
  static const std::map<std::string, std::pair<std::string, std::string>> texts = {
      {"title.registration", {"Create your account", "Konto erstellen"}},
      {"title.error", {"Something went wrong", "Etwas ist schiefgelaufen"}},
      {"title.login", {"Sign in", "Anmelden"}},
      {"title.verification", {"Verify your account", "Konto bestätigen"}},
      {"title.refresh", {"Confirm it's you", "Bestätige, dass du es bist"}},
      {"title.welcome", {"Welcome", "Willkommen"}},
      {"error.retry", {"Start over", "Neu beginnen"}},
      {"welcome.traits", {"Your profile", "Dein Profil"}},
      {"welcome.session", {"Your session", "Deine Sitzung"}},
      {"welcome.sign_out", {"Sign out", "Abmelden"}},
      {"registration.have_account", {"Already have an account?", "Du hast schon ein Konto?"}},
      {"registration.sign_in", {"Sign in", "Anmelden"}},
      {"login.no_account", {"No account yet?", "Noch kein Konto?"}},
      {"login.sign_up", {"Sign up", "Registrieren"}},
      {"login.signing_in_as", {"Signing in as", "Anmeldung als"}},
      {"login.switch_account", {"Use another account", "Anderes Konto verwenden"}},
      {"session.id", {"Session", "Sitzung"}},
      {"session.authenticated_at", {"Signed in at", "Angemeldet am"}},
      {"session.expires_at", {"Expires at", "Läuft ab am"}},
      {"session.methods", {"Method", "Methode"}},
      {"identity.id", {"Identity", "Identität"}},
      {"required", {"required", "Pflichtfeld"}},
      {"webauthn.unsupported",
       {"This browser cannot use passkeys or security keys. Please choose another way to continue.",
        "Dieser Browser unterstützt keine Passkeys oder Sicherheitsschlüssel. Bitte wählen Sie "
        "einen "
        "anderen Weg."}},
  };
  return texts;
}

std::string Fill(std::string text, const Json& context) {
  if (!context.is_object()) {
    return text;
  }
  for (const auto& [key, value] : context.items()) {
    const std::string placeholder = "{" + key + "}";
    const std::string replacement = value.is_string() ? value.get<std::string>() : DumpJson(value);
    for (size_t pos = text.find(placeholder); pos != std::string::npos;
         pos = text.find(placeholder, pos + replacement.size())) {
      text.replace(pos, placeholder.size(), replacement);
    }
  }
  return text;
}

}  // namespace

std::string Translate(const Json& message, Language lang) {
  std::string english = message.value("text", "");
  if (lang != Language::kGerman) {
    return english;
  }
  const auto it = German().find(message.value("id", int64_t{0}));
  if (it == German().end()) {
    return english;
  }
  return Fill(it->second, message.value("context", Json()));
}

std::string UiText(const std::string& key, Language lang) {
  const auto it = Chrome().find(key);
  if (it == Chrome().end()) {
    return key;
  }
  return lang == Language::kGerman ? it->second.second : it->second.first;
}

}  // namespace atrium::pages
