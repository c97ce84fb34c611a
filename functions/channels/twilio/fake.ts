// Twilio's REST API for the tests (fake-api.ts has the shapes): messages and calls sent,
// recordings fetched, the numbers' webhooks (pointing at the tests' PUBLIC_URL) read.
import { createTwilioApiFake } from "./fake-api";

export const twilioFake = createTwilioApiFake({ publicUrl: "https://status.example-hosting.test" });
