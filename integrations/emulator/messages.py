"""The emulator's error and success texts, per flavour.

HostFact answers in the installation's language; the emulator's HostFact is an English
installation, and its texts are HostFact's own English translations
(``Pro/includes/language/en_EN/en_EN.php`` of the public HostFact source) where the key is
known. WeFact answers in Dutch: the texts quoted in the contract are exact; the rest are
plausible Dutch stand-ins (assumptions — clients must never depend on their wording).
"""

from __future__ import annotations

from typing import Literal

Flavor = Literal["wefact", "hostfact"]

_COMMON = {
    "no_key": "No api_key provided",
    "ip": "IP {ip} has no access to API",
    "disabled": "API access has been disabled",
    "invalid_controller": "Invalid controller",
    "invalid_action": "Invalid action",
    "no_lines": "Invoice {code} does not contain invoice lines",
    "firewall": "IP {ip} currently in firewall",
    "write_lock": "API has concurrent calls, but the queue was not able to fix them in 5 seconds.",
}

_WEFACT = {
    "bad_key": "De API sleutel kan niet worden gevonden.",
    "debtor_not_found": "Klant niet gevonden.",
    "product_not_found": "Product niet gevonden.",
    "invoice_not_found": "Factuur niet gevonden.",
    "line_not_found": "Factuurregel {id} niet gevonden.",
    "debtor_bad_identifier": "Klant niet gevonden.",
    "name_required": "Vul een bedrijfsnaam of achternaam in.",
    "code_taken": "Klantnummer {code} is al in gebruik.",
    "product_code_taken": "Productcode {code} is al in gebruik.",
    "invalid_email": "Het e-mailadres {value} is ongeldig.",
    "invalid_country": "Het land {value} is ongeldig.",
    "required": "Het veld {field} is verplicht.",
    "invalid_value": "Ongeldige waarde voor {field}: {value}",
    "invalid_tax": "Btw-code {value} bestaat niet.",
    "delete_not_concept": "Alleen conceptfacturen kunnen worden verwijderd.",
    "credit_concept": "Een conceptfactuur kan niet worden gecrediteerd.",
    "credit_again": "Factuur {code} is al gecrediteerd.",
    "edit_not_concept": "Factuur {code} is geen concept en kan niet worden gewijzigd.",
    "no_email": "De klant heeft geen e-mailadres.",
    "paid_concept": "Een conceptfactuur kan niet als betaald worden gemarkeerd.",
    "paid_state": "Factuur {code} kan niet als betaald worden gemarkeerd.",
    "already_paid": "Factuur {code} is al betaald.",
    "delete_all_lines": "Een factuur moet minimaal een factuurregel bevatten.",
    "invalid_status": "Ongeldige factuurstatus {value}.",
    "attachment_type": "Geen geldig bestandstype opgegeven.",
    "attachment_no_filename": "Er is geen bestandsnaam opgegeven.",
    "attachment_no_base64": "Er is geen base64 string opgegeven.",
    "attachment_not_saved": "Het bestand kon niet worden opgeslagen.",
    "attachment_not_found": "De bijlage {name} kan niet worden gevonden.",
    "attachment_unknown": "De bijlage kan niet worden gevonden.",
    "attachment_too_large": "Het bestand {name} is te groot.",
    # success messages
    "sent": "Factuur {code} is per e-mail verzonden naar {email}",
    "credited": "Factuur {code} is gecrediteerd en op status 'vervallen' gezet",
    "created": "Factuur {code} is aangemaakt",
    "paid": "Factuur {code} is als betaald gemarkeerd.",
    "deleted": "Factuur {code} is verwijderd",
    "lines_added": "Er zijn {count} factuurregels toegevoegd",
    "debtor_created": "Debiteur '{code}' is aangemaakt",
    # WeFact's "attachment add" page quotes this one.
    "attachment_added": "Het bestand '{name}' is toegevoegd als bijlage bij de factuur",
    "attachment_deleted": "De bijlage '{name}' is verwijderd",
}

_HOSTFACT = {
    "bad_key": "API key is invalid",
    "debtor_not_found": "Unknown client number",
    "debtor_bad_identifier": "Invalid identifier for client",
    "product_not_found": "Unknown product",
    "invoice_not_found": "Invalid identifier for invoice",
    "line_not_found": "Invoice line {id} not found",
    "name_required": "Please enter a company name or surname",
    "code_taken": "Client number {code} is already in use",
    "product_code_taken": "Product code {code} is already in use",
    "invalid_email": "Invalid emailaddress {value}",
    "invalid_country": "Invalid country {value}",
    "required": "{field} is required",
    "invalid_value": "Invalid value for {field}: {value}",
    "invalid_tax": "Tax percentage {value} is not configured",
    "delete_not_concept": "Only draft invoices can be deleted",
    "credit_concept": "It is not possible to credit draft invoice {code}",
    "credit_again": "Failed to create a credit invoice for {code}. Invoice has status cancelled",
    "edit_not_concept": "Invoice {code} is not a concept and cannot be edited",
    "no_email": "The debtor has no emailaddress",
    "paid_concept": (
        "Invoice {code} has not been marked as paid, because it is no unpaid invoice."
    ),
    "paid_state": "Invoice {code} has not been marked as paid, because it is no unpaid invoice.",
    "already_paid": "The invoice is already paid",
    "delete_all_lines": "An invoice must contain at least one invoice line",
    "invalid_status": "Invalid invoice status {value}",
    "attachment_type": "No valid file type has been entered",
    "attachment_no_filename": "No filename has been entered",
    "attachment_no_base64": "No base64 string has been entered",
    "attachment_not_saved": "Unable to save the file",
    "attachment_not_found": (
        "The attachment(s) {name} cannot be found. Please check if the files exists on the "
        "server and have writing permissions."
    ),
    "attachment_unknown": "Attachment cannot be found.",
    "attachment_too_large": "The file {name} is too large",
    # success messages
    "sent": "Invoice {code} is sent by email to {email}",
    "credited": "Invoice {code} is credited and set on status 'cancelled'",
    "created": "Invoice {code} has been created successfully",
    "paid": "Invoice {code} has been paid.",
    "deleted": "Invoice {code} is deleted",
    "lines_added": "Successfully added {count} invoice lines",
    "debtor_created": "Client '{code}' is created",
    "attachment_added": "File '{name}' has been added as attachment to the invoice",
    "attachment_deleted": "Attachment '{name}' has been deleted",
}

_TABLES: dict[Flavor, dict[str, str]] = {
    "wefact": {**_COMMON, **_WEFACT},
    "hostfact": {**_COMMON, **_HOSTFACT},
}


def message(flavor: Flavor, key: str, **values: object) -> str:
    return _TABLES[flavor][key].format(**values)
