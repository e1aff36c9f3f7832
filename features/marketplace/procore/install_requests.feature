@procore
Feature: Procore: who installs apps, and asking an admin for one
  "Allow User Installs" decides whether users install apps themselves; a
  user can always ask the company admins, who approve by installing the app
  on the user's behalf, or deny. (Procore: "Manage App Install Requests".)

  Background:
    Given the company "Acme" with these people:
      | name  | role  | email           |
      | Alice | admin | alice@acme.test |
      | Dave  | admin | dave@acme.test  |
      | Bob   | user  | bob@acme.test   |
      | Carol | user  | carol@acme.test |
    And the company "Globex" with these people:
      | name | role  | email            |
      | Gina | admin | gina@globex.test |
      | Hank | user  | hank@globex.test |
    And the app "Field Forms" is listed

  @PC-01
  Scenario: Allow User Installs is ON for a new company
    Then Allow User Installs is ON for "Acme"

  @PC-01
  Scenario: A company admin turns Allow User Installs off and on
    When Alice turns Allow User Installs OFF
    Then Allow User Installs is OFF for "Acme"
    And Allow User Installs is ON for "Globex"
    When Dave turns Allow User Installs ON
    Then Allow User Installs is ON for "Acme"

  @PC-01
  Scenario: A user who is not a company admin cannot change it
    When Bob turns Allow User Installs OFF
    Then it is refused because "not admin"
    And Allow User Installs is ON for "Acme"

  @PC-02
  Scenario: With Allow User Installs ON a user installs an app without an admin
    When Bob installs "Field Forms"
    Then Bob sees "Field Forms" as "Authorized"
    And Bob has "Field Forms" installed by Bob
    And nobody gets an email

  @PC-03 @PC-04
  Scenario: A user asks the admins for an app, with notes
    When Bob requests "Field Forms" with the notes "for the site diaries"
    Then Alice gets an email with the subject "bob@acme.test requested to access or install Field Forms on Acme"
    And Dave gets an email with the subject "bob@acme.test requested to access or install Field Forms on Acme"
    And the email with the subject "bob@acme.test requested to access or install Field Forms on Acme" comes from "no-reply@procore.com"
    And the email with the subject "bob@acme.test requested to access or install Field Forms on Acme" carries the notes "for the site diaries"
    And Bob does not have "Field Forms"

  @PC-03
  Scenario: The notes are optional
    When Bob requests "Field Forms"
    And Alice opens App Requests
    Then App Requests shows Bob's request for "Field Forms" as "pending"

  @PC-04 @X-03
  Scenario: Every admin of the company, and only they, is emailed about a request
    When Carol requests "Field Forms"
    Then every admin of "Acme" gets an email with the subject "carol@acme.test requested to access or install Field Forms on Acme"
    And Bob gets no email
    And Gina gets no email

  @PC-05
  Scenario: An admin approves a request by installing the app for the user
    Given Bob has requested "Field Forms"
    When Alice approves Bob's request for "Field Forms"
    Then Bob sees "Field Forms" as "Authorized"
    And Bob has "Field Forms" installed by Alice
    When Alice opens App Requests
    Then App Requests shows Bob's request for "Field Forms" as "approved"

  @PC-05
  Scenario: An admin denies a request and the user is told
    Given Bob has requested "Field Forms"
    When Dave denies Bob's request for "Field Forms" saying "we use Site Diary"
    Then Bob gets an in-app notification about "Field Forms"
    And Bob gets an in-app notification saying "we use Site Diary"
    And Bob does not have "Field Forms"

  @PC-05
  Scenario Outline: A decided request cannot be decided again
    Given Bob has requested "Field Forms"
    And Alice <first decision> Bob's request for "Field Forms"
    When Dave <second decision> Bob's request for "Field Forms"
    Then it is refused because "request already decided"
    And nothing has changed

    Examples:
      | first decision | second decision |
      | has approved   | denies          |
      | has denied     | approves        |
      | has approved   | approves        |

  @PC-05
  Scenario: Only a company admin decides a request
    Given Bob has requested "Field Forms"
    When Carol approves Bob's request for "Field Forms"
    Then it is refused because "not admin"

  @PC-06 @PC-07 @assumed
  Scenario Outline: With Allow User Installs OFF a user's attempt is refused and the admins are told
    Given Alice has turned Allow User Installs OFF
    When Bob <attempts> "Field Forms"
    Then it is refused because "user installs are off"
    And nothing has changed
    And every admin of "Acme" gets an email with the subject "bob@acme.test attempted to <verb> Field Forms on Acme"
    And the email with the subject "bob@acme.test attempted to <verb> Field Forms on Acme" comes from "no-reply@procore.com"
    And Gina gets no email

    Examples:
      | attempts   | verb      |
      | installs   | install   |
      | authorizes | authorize |

  @PC-08 @assumed
  Scenario: With Allow User Installs OFF admins still install, and approve requests
    Given Alice has turned Allow User Installs OFF
    And Bob has requested "Field Forms"
    When Dave installs "Field Forms"
    And Alice approves Bob's request for "Field Forms"
    Then Dave sees "Field Forms" as "Authorized"
    And Bob has "Field Forms" installed by Alice

  @PC-09 @assumed
  Scenario: A user may ask whatever the setting, once per app
    Given Alice has turned Allow User Installs OFF
    When Bob requests "Field Forms"
    Then every admin of "Acme" gets an email with the subject "bob@acme.test requested to access or install Field Forms on Acme"
    When Bob requests "Field Forms"
    Then it is refused because "request already pending"

  @PC-09 @assumed
  Scenario Outline: Admins and users who have the app file no request
    Given Carol has installed "Field Forms"
    When <who> requests "Field Forms"
    Then it is refused because "<reason>"

    Examples:
      | who   | reason                           |
      | Alice | admins install without a request |
      | Carol | already installed                |

  @PC-09 @assumed
  Scenario: Approving a request for an app the user installed meanwhile keeps their installation
    Given Bob has requested "Field Forms"
    And Bob has installed "Field Forms"
    When Alice approves Bob's request for "Field Forms"
    Then Bob has "Field Forms" installed by Bob

  @PC-10 @assumed
  Scenario: Authorizing an integration the user has not installed installs it
    When Bob authorizes "Field Forms"
    Then Bob sees "Field Forms" as "Authorized"
    And Bob has "Field Forms" installed by Bob

  @X-02
  Scenario: A user who is not an admin cannot open App Requests
    When Bob opens App Requests
    Then it is refused because "not admin"

  @X-03
  Scenario: One company's requests and settings do not reach another
    Given Alice has turned Allow User Installs OFF
    And Bob has requested "Field Forms"
    When Hank installs "Field Forms"
    Then Hank sees "Field Forms" as "Authorized"
    When Gina opens App Requests
    Then App Requests shows no request
    When Gina approves Bob's request for "Field Forms"
    Then it is refused because "user of another company"

  @X-01
  Scenario: A refused attempt is not logged, and the log replays
    Given Alice has turned Allow User Installs OFF
    And Bob has requested "Field Forms" with the notes "please"
    And Alice has approved Bob's request for "Field Forms"
    When Carol installs "Field Forms"
    Then it is refused because "user installs are off"
    And the event log ends with:
      | who   | company | app         | action         |
      | Bob   | Acme    | Field Forms | request app    |
      | Alice | Acme    | Field Forms | decide request |
    And replaying the event log gives the same marketplace
