export { siteConfig, socialContacts } from "../site.config";
