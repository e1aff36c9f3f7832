Feature: Custom UI pages in the browser: the backend serves whom the token names
  A Custom UI page runs in an iframe of the marketplace and calls its own
  backend with the signed token the SDK hands it (get_signed_token). The
  certification runs each declared Custom UI page in headless Chromium,
  inside a host page that speaks the host side of the SDK, as a user the
  app is installed for; records every call the page makes to the app's
  origin; and sends each one again with another company's and another
  user's signed token and ids. An answer that serves someone the token
  does not name breaks the rule. Without Chromium these checks are not
  exercised (appcert certify --chromium PATH names one).

  Background:
    Given Acme, a company with Alice, an admin, and Bob
    And Globex, a company with Gina, an admin
    And Alice installs the app for herself
    And Gina installs the app for herself
    When Alice's Custom UI pages call their backend in the browser

  @PD-EXT-05
  Scenario: A Custom UI page's backend serves only the company and user its token names
    Then their calls sent again with Gina's token or ids serve only whom the token names
    And their calls sent again with Bob's token or ids serve only whom the token names

  @PD-EXT-02
  Scenario: A Custom UI page's backend holds each call to its token
    Then their calls sent again with Gina's token or ids serve only whom the token names
    And their calls sent again with Bob's token or ids serve only whom the token names
